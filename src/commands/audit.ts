import { parseArgs } from "node:util";
import { type Address, getAddress, isAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { auditChainClient, paymentChainClient } from "../app/chainClients.js";
import { type App, createApp } from "../app.js";
import { auditLogReader } from "../audit/auditLogReader.js";
import { checkCompleteness } from "../audit/completeness.js";
import { deployAuditLog } from "../audit/deployAuditLog.js";
import { loadConfig } from "../config/loadConfig.js";
import type { AuditBatch } from "../ledger/auditStore.js";
import { toDecimal } from "../money.js";
import { OPTIONS } from "./audit/options.js";
import { verify, verifyBundleFile } from "./audit/verify.js";
import type { Command } from "./command.js";
import { commandLogger } from "./commandLogger.js";
import { print } from "./output.js";

const USAGE = `Usage: pag0 audit <command>

Commands:
  deploy                    deploy PaymentAuditLog to the audit chain (SKALE_RPC_URL, ERC8004_SIGNER_KEY as its
                            operator, ERC8004_AGENT_ID) and print PAG0_AUDIT_CONTRACT
  status [--json]           backlog, last anchor, open batches and the contract's head
  verify <receiptId | receiptHash | bundle.json> [--contract <address>] [--rpc <url>] [--operator <address>]
         [--agent-id <n>] [--payment-rpc <url>] [--offline [--allow-offline]]
                            print the proof bundle (stdout) and check it locally and against the root read from
                            the PaymentAuditLog you trust (--contract, else PAG0_AUDIT_CONTRACT) over your RPC
                            (--rpc, else SKALE_RPC_URL or the built-in chain's), never the bundle's; with
                            --payment-rpc also the settlement transfer on the payment chain. A bundle file needs
                            no ledger, as a third party would check it. --offline checks the bundle alone and
                            exits 1 (NOT VERIFIED ON CHAIN) unless --allow-offline
  reconcile [--blocks <n>] [--from-block <n>] [--to-block <n>] [--wallet <address>] [--json]
                            check that every USDC transfer from the wallet maps to a receipt (exit 1 if not)
`;

export interface AuditIo {
  deps: Pick<App, "config" | "ledger" | "wallet">;
  out(text: string): void;
  err(text: string): void;
}

export const audit: Command = {
  usage: USAGE,
  summary: "audit receipts on SKALE: deploy | status | verify <receiptId> | reconcile",
  async run(args) {
    const [sub = "help", ...rest] = args;
    if (sub === "help" || sub === "--help" || sub === "-h") {
      print(USAGE);
      return 0;
    }
    const io = { out: (t: string) => print(t), err: (t: string) => process.stderr.write(t) };
    const config = loadConfig();
    // a bundle file needs no ledger: the trust anchor comes from the flags and the config
    if (sub === "verify" && rest[0]?.endsWith(".json")) return verifyBundleFile(rest, config, io);

    const deps = createApp(config, commandLogger(config));
    try {
      return await runAudit([sub, ...rest], { deps, ...io });
    } finally {
      await deps.ledger.close();
    }
  },
};

/** `pag0 audit …` against given deps (the tests' ledger and chains). Returns the exit code. */
export async function runAudit(args: string[], io: AuditIo): Promise<number> {
  const [sub, ...rest] = args;
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true });
  } catch (e) {
    io.err(`pag0 audit: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  switch (sub) {
    case "deploy":
      return deploy(io);
    case "status":
      return status(io, values.json === true);
    case "verify":
      if (!positionals[0]) break;
      if (positionals[0].endsWith(".json")) return verifyBundleFile(rest, io.deps.config, io);
      return verify(io, positionals[0], values);
    case "reconcile":
      return reconcile(io, values);
  }
  io.err(
    `pag0 audit: ${sub ? `unknown or incomplete command "${[sub, ...rest].join(" ")}"` : "no command"}\n\n${USAGE}`,
  );
  return 2;
}

async function deploy(io: AuditIo): Promise<number> {
  const { audit } = io.deps.config;
  if (!audit.rpcUrl || !audit.signerKey) {
    io.err(
      "pag0 audit deploy needs ERC8004_SIGNER_KEY (the log's operator) and SKALE_RPC_URL off the built-in chains.\n",
    );
    return 2;
  }
  const operator = privateKeyToAccount(audit.signerKey);
  const deployed = await deployAuditLog({
    client: auditChainClient(audit),
    chainId: audit.chainId,
    operator,
    agentId: audit.agentId ?? 0n,
  });
  io.err(
    `Deployed PaymentAuditLog on chain ${audit.chainId} in ${deployed.txHash} (block ${deployed.blockNumber}, ` +
      `${deployed.gasUsed} gas); operator ${operator.address}, agentId ${audit.agentId ?? 0n}.\n`,
  );
  io.out(`PAG0_AUDIT_CONTRACT=${deployed.address}\n`);
  return 0;
}

async function status(io: AuditIo, json: boolean): Promise<number> {
  const { config, ledger } = io.deps;
  const [backlog, open] = await Promise.all([ledger.auditBacklog(), ledger.openAuditBatches()]);
  let chain: { lastBatchId: string; lastSeq: string } | { error: string } | null = null;
  if (config.audit.contract && config.audit.rpcUrl) {
    chain = await auditLogReader(auditChainClient(config.audit), config.audit.contract)
      .head()
      .then((h) => ({ lastBatchId: h.lastBatchId.toString(), lastSeq: h.lastSeq.toString() }))
      .catch((e) => ({ error: (e as Error).message.split("\n")[0] ?? "unreachable" }));
  }
  const ageSeconds = backlog.oldestUnanchoredAt
    ? Math.round((Date.now() - backlog.oldestUnanchoredAt.getTime()) / 1000)
    : null;
  if (json) {
    io.out(
      `${JSON.stringify(
        {
          anchoring: config.audit.anchoring,
          chainId: config.audit.chainId,
          contract: config.audit.contract ?? null,
          backlog: { unanchored: backlog.unanchored, queued: backlog.queued, oldestUnanchoredSeconds: ageSeconds },
          lastAnchor: backlog.lastConfirmed && batchJson(backlog.lastConfirmed),
          openBatches: open.map(batchJson),
          chain,
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  const where = config.audit.contract
    ? `PaymentAuditLog ${config.audit.contract} on chain ${config.audit.chainId}`
    : "no contract (PAG0_AUDIT_CONTRACT)";
  const lines = [
    `audit log:   ${where}; anchoring ${config.audit.anchoring ? "on" : "off: receipts queue in the ledger"}`,
    `backlog:     ${backlog.unanchored} receipt(s) not anchored (${backlog.queued} not yet in a batch)` +
      (ageSeconds === null ? "" : `, oldest ${ageSeconds} s ago`),
    `last anchor: ${backlog.lastConfirmed ? describeBatch(backlog.lastConfirmed) : "none yet"}`,
    ...open.map((b) => `open:        ${describeBatch(b)}`),
  ];
  if (chain) {
    lines.push(
      "error" in chain
        ? `chain:       unreachable (${chain.error})`
        : `chain:       batch ${chain.lastBatchId}, seq ${chain.lastSeq}`,
    );
  }
  io.out(`${lines.join("\n")}\n`);
  return 0;
}

async function reconcile(
  io: AuditIo,
  values: { json?: boolean; blocks?: string; "from-block"?: string; "to-block"?: string; wallet?: string },
): Promise<number> {
  const { config, ledger, wallet } = io.deps;
  const address = values.wallet ?? wallet?.address;
  if (!address || !isAddress(address)) {
    io.err("pag0 audit reconcile needs the payer wallet: WALLET_PRIVATE_KEY, or --wallet <address>.\n");
    return 2;
  }
  const block = (v: string | undefined) => (v === undefined ? undefined : BigInt(v));
  const reports = [];
  for (const n of config.networks.values()) {
    reports.push(
      await checkCompleteness({
        store: ledger,
        client: paymentChainClient(n),
        network: n.id,
        usdc: n.usdc.address,
        wallet: getAddress(address) as Address,
        fromBlock: block(values["from-block"]),
        toBlock: block(values["to-block"]),
        blocks: block(values.blocks),
      }),
    );
  }
  const missing = reports.reduce((n, r) => n + r.unmatched.length, 0);
  if (values.json) {
    io.out(`${JSON.stringify(reports, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`);
  } else {
    for (const r of reports) {
      io.out(
        `${r.network} blocks ${r.fromBlock}-${r.toBlock}: ${r.transfers} USDC transfer(s) from ${address}, ` +
          `${r.unmatched.length} without a receipt\n`,
      );
      for (const t of r.unmatched) {
        io.out(`  NO RECEIPT  ${t.txHash}  block ${t.blockNumber}  ${toDecimal(t.amount)} USDC to ${t.to}\n`);
      }
    }
  }
  return missing > 0 ? 1 : 0;
}

function describeBatch(b: AuditBatch): string {
  const tx = b.txHash ? `, tx ${b.txHash}` : "";
  const err = b.lastError ? `, last error: ${b.lastError}` : "";
  const at = b.confirmedAt ?? b.submittedAt ?? b.createdAt;
  return `batch ${b.batchId} (seq ${b.fromSeq}-${b.toSeq}, ${b.leafCount} receipt(s)) ${b.status} at ${at.toISOString()}${tx}${err}`;
}

function batchJson(b: AuditBatch) {
  return {
    batchId: b.batchId.toString(),
    fromSeq: b.fromSeq.toString(),
    toSeq: b.toSeq.toString(),
    status: b.status,
    txHash: b.txHash,
    gasUsed: b.gasUsed?.toString() ?? null,
    attempts: b.attempts,
    lastError: b.lastError,
    at: (b.confirmedAt ?? b.submittedAt ?? b.createdAt).toISOString(),
  };
}
