/**
 * `npm run bench:audit`: what anchoring receipts on chain costs, on a local hardhat node with SKALE's chain id.
 *   gas:     gas per anchor transaction and per receipt, for batches of 1 to 256 receipts, with and without the
 *            per-receipt ERC-8004 events (the first batch of a log pays more: its storage slots start at zero)
 *   latency: from a paid_fetch returning to its receipt being anchored, through the MCP client and the real
 *            anchorer in the background, with automine and with 1 s blocks (SKALE's block time)
 * BENCH_AUDIT_PAYMENTS (default 8) paid calls per latency case; BENCH_AUDIT_INTERVAL_MS (default 10000) the batch
 * interval (PAG0_AUDIT_BATCH_INTERVAL_MS).
 */

import { createAnchorer } from "../src/audit/anchorer.js";
import { processLock } from "../src/jobs/jobLock.js";
import type { Ledger } from "../src/ledger/ledger.js";
import { createLogger } from "../src/logger.js";
import { AUDIT_CHAIN_ID, type AuditChain, startAuditChain } from "../test/audit/auditChain.js";
import { auditPrincipal, settledPayment } from "../test/audit/ledgerReceipts.js";
import { openTestLedger } from "../test/support/testLedger.js";
import { startTestPag0 } from "../test/support/testPag0.js";
import { startWorld, type World } from "../test/world/world.js";

const PAYMENTS = Number(process.env.BENCH_AUDIT_PAYMENTS ?? 8);
const INTERVAL_MS = Number(process.env.BENCH_AUDIT_INTERVAL_MS ?? 10_000);
const SIZES = [1, 16, 64, 256];
const log = createLogger("silent");

/** Gas of one anchor transaction per batch size, on a fresh log per mode (so batch 1 is measured too). */
async function gasRows(audit: AuditChain, ledgerOf: () => Promise<Ledger>): Promise<string[]> {
  const rows: string[] = [];
  for (const events of [false, true]) {
    const ledger = await ledgerOf();
    const contract = await audit.deploy();
    const principal = await auditPrincipal(ledger);
    const anchorer = createAnchorer({
      store: ledger,
      client: audit.client,
      chainId: AUDIT_CHAIN_ID,
      contract,
      signer: audit.operator,
      lock: processLock(),
      log,
      batchSize: 256,
      batchIntervalMs: 3_600_000,
      feedbackEvents: events,
    });
    for (const [i, size] of [1, ...SIZES].entries()) {
      for (let n = 0; n < size; n++) await settledPayment(ledger, principal);
      const report = await anchorer.tick({ force: true });
      const batch = report.submitted && (await ledger.auditBatch(report.submitted.batchId))?.batch;
      if (!batch?.gasUsed) throw new Error(`batch of ${size} was not confirmed`);
      const label = i === 0 ? "first batch of the log" : `batch of ${String(size).padStart(3)}`;
      rows.push(
        `gas  ${events ? "with events   " : "root only     "} ${label.padEnd(22)} ${String(batch.gasUsed).padStart(9)} gas` +
          `  ${String(batch.gasUsed / BigInt(size)).padStart(7)} gas/receipt`,
      );
    }
    await ledger.close();
  }
  return rows;
}

/** Paid calls through the MCP client; the anchorer runs in the background as in `pag0 stdio`. */
async function latency(world: World, audit: AuditChain, blockTimeMs: number): Promise<string> {
  const ledger = await openTestLedger();
  const contract = await audit.deploy();
  if (blockTimeMs > 0) {
    await audit.chain.rpc("evm_setAutomine", [false]);
    await audit.chain.rpc("evm_setIntervalMining", [blockTimeMs]);
  }
  const payer = await world.newPayer();
  const pag0 = await startTestPag0({
    world,
    ledger,
    payerKey: payer.key,
    limits: { perRequest: 100_000n, daily: 10n ** 12n, monthly: 10n ** 12n },
    env: {
      LOG_LEVEL: "warn",
      SKALE_RPC_URL: audit.rpcUrl,
      PAG0_AUDIT_CONTRACT: contract,
      ERC8004_SIGNER_KEY: audit.operatorKey,
      PAG0_AUDIT_BATCH_INTERVAL_MS: String(INTERVAL_MS),
    },
  });
  pag0.deps.anchorer?.start();
  try {
    const paidAt = new Map<string, number>();
    const anchoredAfter: number[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      // a new route each time: a repeated GET would be served from the paid-response cache, paying nothing
      const res = await pag0.call("paid_fetch", { url: world.v2.route({ price: 1_000n }) });
      if (res.isError) throw new Error(`paid call failed: ${JSON.stringify(res.structuredContent)}`);
      paidAt.set(res.structuredContent.receiptId, performance.now());
      await new Promise((r) => setTimeout(r, Math.round(INTERVAL_MS / PAYMENTS)));
    }
    const deadline = performance.now() + INTERVAL_MS * 3 + 60_000;
    while (paidAt.size > 0 && performance.now() < deadline) {
      const states = await ledger.auditStatus([...paidAt.keys()]);
      for (const [id, s] of states) {
        if (s.status !== "anchored") continue;
        anchoredAfter.push(performance.now() - (paidAt.get(id) as number));
        paidAt.delete(id);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (paidAt.size > 0) throw new Error(`${paidAt.size} receipt(s) were not anchored:\n${pag0.logs.join("")}`);
    const s = [...anchoredAfter].sort((a, b) => a - b);
    const median = s[Math.floor(s.length / 2)] ?? 0;
    const blocks = blockTimeMs > 0 ? `${blockTimeMs / 1000} s blocks` : "automine";
    return (
      `time payment -> anchored (${blocks}, interval ${INTERVAL_MS / 1000} s, n=${s.length}): ` +
      `median ${(median / 1000).toFixed(2)} s, min ${((s[0] ?? 0) / 1000).toFixed(2)} s, max ${((s.at(-1) ?? 0) / 1000).toFixed(2)} s`
    );
  } finally {
    await pag0.deps.anchorer?.stop();
    await pag0.close();
    await ledger.close();
    if (blockTimeMs > 0) {
      await audit.chain.rpc("evm_setIntervalMining", [0]);
      await audit.chain.rpc("evm_setAutomine", [true]);
    }
  }
}

async function main() {
  const [audit, world] = await Promise.all([startAuditChain(), startWorld()]);
  try {
    const lines = ["Pag0 audit bench (local hardhat node, chain id 324705682; PGlite ledger)"];
    lines.push(...(await gasRows(audit, openTestLedger)));
    lines.push(await latency(world, audit, 0));
    lines.push(await latency(world, audit, 1_000));
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await Promise.all([audit.stop(), world.stop()]);
  }
}

main().catch((e) => {
  process.stderr.write(`audit bench failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
