/**
 * `npm run demo`: the whole offline world end to end, policy → cache → x402 → audit. A local chain with test USDC,
 * the official x402 facilitator, a paid API, a second local chain standing in for SKALE with the audit contract,
 * and `pag0 stdio` driven by the real MCP client, exactly as Claude Code would run it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { formatUnits } from "viem";
import { pag0StdioTransport } from "../test/support/pag0StdioTransport.js";
import { startWorld } from "../test/world/world.js";
import { auditEnv, auditVerify, startAuditChain, untilAnchored } from "./demoAudit.js";

const bold = (s: string) => `\x1b[1m${s}\x1b[0m`;
const dim = (s: string) => `\x1b[2m${s}\x1b[0m`;
const usdc = (atomic: bigint) => `${formatUnits(atomic, 6)} USDC`;
const say = (s = "") => process.stdout.write(`${s}\n`);

async function main() {
  say(bold("Pag0 demo: an agent pays for APIs in USDC, within a budget it cannot raise\n"));
  say(dim("Starting a local chain, test USDC, the x402 facilitator, a paid weather API, and an audit chain..."));
  const [world, audit] = await Promise.all([startWorld(), startAuditChain()]);
  const client = new Client({ name: "pag0-demo", version: "0.1.0" });
  const dataDir = join(mkdtempSync(join(tmpdir(), "pag0-demo-")), "data");
  try {
    const payer = await world.newPayer(5_000_000n);
    const api = world.v2.payTo;
    say(
      dim(
        `Chain ${world.rpcUrl}, USDC ${world.usdc}, payer ${payer.address} holds ${usdc(await world.balanceOf(payer.address))}.`,
      ),
    );

    say(
      dim(
        `Audit chain ${audit.rpcUrl} (chain id ${audit.chain.chainId}, standing in for SKALE), PaymentAuditLog ${audit.contract}.`,
      ),
    );
    say(dim("Starting `pag0 stdio` with a daily budget of 0.05 USDC, as an MCP host would..."));
    const transport = pag0StdioTransport(
      world,
      {
        WALLET_PRIVATE_KEY: payer.key,
        PAG0_DAILY_BUDGET: "0.05",
        LOG_LEVEL: "warn",
        PAG0_DATA_DIR: dataDir,
        ...auditEnv(audit),
      },
      "inherit",
    );
    await client.connect(transport);
    const { tools } = await client.listTools();
    say(`\n${bold("Tools:")} ${tools.map((t) => t.name).join(", ")}`);
    say(`${bold("Instructions the model reads:")} ${client.getInstructions()}\n`);

    const call = async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as { isError?: boolean; structuredContent: any };

    const weather = world.v2.route({
      path: "/weather",
      price: 20_000n,
      body: { city: "Lisbon", forecast: "sunny", c: 21 },
    });
    const report = world.v2.route({ path: "/report", price: 40_000n, body: { report: "quarterly numbers" } });

    say(bold(`1. paid_fetch ${weather}  (the API asks 0.02 USDC)`));
    const first = await call("paid_fetch", { url: weather });
    const p = first.structuredContent.payment;
    say(`   HTTP ${first.structuredContent.status}: ${first.structuredContent.body}`);
    say(`   paid ${p.amount} USDC to ${p.payTo} on ${p.network}, settlement tx ${p.txHash}`);
    say(
      `   on chain: payer now holds ${usdc(await world.balanceOf(payer.address))}, the API ${usdc(await world.balanceOf(api))}`,
    );

    say(bold(`\n2. paid_fetch ${weather} again  (the same data, still fresh)`));
    const again = (await call("paid_fetch", { url: weather })).structuredContent;
    say(`   HTTP ${again.status}: ${again.body}`);
    say(
      `   served from the cache: cached ${again.cached}, payment ${again.payment}, saved ${again.saved} USDC; ` +
        `nothing signed, the payer still holds ${usdc(await world.balanceOf(payer.address))}`,
    );

    say(bold(`\n3. paid_fetch ${report}  (0.04 USDC, but only ${again.budget.remainingToday} is left today)`));
    const refused = await call("paid_fetch", { url: report });
    say(`   refused: ${refused.structuredContent.error.code}: ${refused.structuredContent.error.message}`);
    say(`   nothing was signed; the payer still holds ${usdc(await world.balanceOf(payer.address))}`);

    say(bold("\n4. get_budget"));
    const b = (await call("get_budget", {})).structuredContent;
    say(`   limits: ${b.limits.perRequest} per request, ${b.limits.daily} per day, ${b.limits.monthly} per month`);
    say(
      `   spent today ${b.spent.today}, reserved ${b.reserved}, remaining today ${b.remaining.today} (resets ${b.resetsAt.day})`,
    );
    say(`   the cache saved ${b.saved.today} USDC today`);

    say(bold("\n5. list_spend"));
    const spend = (await call("list_spend", {})).structuredContent;
    for (const i of spend.items) {
      const how = i.cached ? `served from the cache, saved ${i.saved} USDC` : `tx ${i.txHash}`;
      say(`   ${i.at}  ${i.status.padEnd(8)} ${i.amount} USDC  ${i.method} ${i.url}  ${how}`);
    }
    say(
      `   total: ${spend.totals.count} payment(s), ${spend.totals.spent} USDC; saved by the cache ${spend.totals.saved} USDC`,
    );

    say(bold("\n6. the audit trail: receipts anchored on the audit chain"));
    for (const i of await untilAnchored(client)) {
      say(`   receipt ${i.receiptId}: ${i.audit.status} in batch ${i.audit.batchId}, anchor tx ${i.audit.anchorTx}`);
    }

    const receiptId = spend.items.find((i: { cached: boolean }) => !i.cached).receiptId as string;
    say(bold(`\n7. pag0 audit verify ${receiptId}  (as an operator would, in another process)`));
    const { bundle, verdict } = await auditVerify(receiptId, { dataDir, audit, paymentRpc: world.rpcUrl });
    say(
      `   batch ${bundle.batch.batchId} (receipts seq ${bundle.batch.fromSeq}-${bundle.batch.toSeq}), ` +
        `Merkle root ${bundle.batch.root}, anchored in tx ${bundle.batch.anchorTx} (block ${bundle.batch.blockNumber})`,
    );
    say(`   leaf seq ${bundle.leaf.seq}, receiptHash ${bundle.receiptHash}, proof of ${bundle.proof.length} hash(es)`);
    say(`   ${verdict}`);

    say(
      bold(
        "\nDone: one payment settled on chain, one served again from the cache, one refused before signing, every " +
          "receipt anchored and provable.",
      ),
    );
  } finally {
    await client.close();
    await Promise.all([world.stop(), audit.stop()]);
  }
}

main().catch((e) => {
  process.stderr.write(`demo failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
