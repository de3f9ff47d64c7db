/**
 * The audit half of `npm run demo`: a second local chain standing in for SKALE (SKALE Base Sepolia's chain id)
 * with a PaymentAuditLog deployed from the committed artifact, the settings that make `pag0 stdio` anchor on it,
 * and `pag0 audit verify` run as an operator would, in its own process beside the server.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { ProofBundle } from "../src/audit/proofBundle.js";
import { type AuditChain, startAuditChain } from "../test/audit/auditChain.js";

export type { AuditChain };
export { startAuditChain };

/** What makes Pag0 anchor receipts on `audit`: its RPC, the contract, the operator's key, the agent id. */
export function auditEnv(audit: AuditChain): Record<string, string> {
  return {
    SKALE_RPC_URL: audit.rpcUrl,
    PAG0_AUDIT_CONTRACT: audit.contract,
    ERC8004_SIGNER_KEY: audit.operatorKey,
    ERC8004_AGENT_ID: audit.agentId.toString(),
    // a batch every half second rather than every 10 s, so the demo need not wait
    PAG0_AUDIT_BATCH_INTERVAL_MS: "500",
  };
}

interface SpendItem {
  receiptId: string;
  cached: boolean;
  audit: { status: string; batchId: string | null; anchorTx: string | null };
}

/** Polls `list_spend` until every paid call's receipt is anchored (the anchorer runs in the background); cache
 * hits paid nothing and have none. */
export async function untilAnchored(client: Client, timeoutMs = 30_000): Promise<SpendItem[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = (await client.callTool({ name: "list_spend", arguments: {} })) as unknown as {
      structuredContent: { items: SpendItem[] };
    };
    const items = result.structuredContent.items.filter((i) => !i.cached);
    if (items.length > 0 && items.every((i) => i.audit.status === "anchored")) return items;
    if (Date.now() > deadline) throw new Error(`receipts not anchored after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * `pag0 audit verify <receiptId>` from source, against the server's data dir, trusting `audit`'s contract over its
 * RPC and checking the settlement on the payment chain. Returns the proof bundle (stdout) and the verdict (stderr).
 */
export async function auditVerify(
  receiptId: string,
  options: { dataDir: string; audit: AuditChain; paymentRpc: string },
): Promise<{ bundle: ProofBundle; verdict: string }> {
  const { audit } = options;
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [
      ...["--import", "tsx", "src/cli.ts", "audit", "verify", receiptId],
      ...["--operator", audit.operator.address, "--agent-id", audit.agentId.toString()],
      ...["--payment-rpc", options.paymentRpc],
    ],
    {
      env: {
        PATH: process.env.PATH ?? "",
        PAG0_DATA_DIR: options.dataDir,
        SKALE_RPC_URL: audit.rpcUrl,
        PAG0_AUDIT_CONTRACT: audit.contract,
        LOG_LEVEL: "warn",
      },
      timeout: 60_000,
    },
  );
  return { bundle: JSON.parse(stdout) as ProofBundle, verdict: stderr.trim() };
}
