import { BUILTIN_AUDIT_CHAINS } from "./networks.js";
import type { Settings } from "./schema.js";

/** Where and how audit receipts are anchored (src/audit). */
export interface AuditConfig {
  /** the SKALE chain receipts are anchored on; checked against eth_chainId at start */
  chainId: number;
  /** SKALE_RPC_URL, else the built-in chain's public RPC */
  rpcUrl: string | undefined;
  contract: `0x${string}` | undefined;
  /** the contract's operator key (signs anchor transactions); never the payer wallet's */
  signerKey: `0x${string}` | undefined;
  /** ERC-8004 agentId: deploy uses it; at start the contract's must match */
  agentId: bigint | undefined;
  batchIntervalMs: number;
  batchSize: number;
  strict: boolean;
  maxBacklogSeconds: number;
  /** one ERC-8004 NewFeedback event per receipt with each batch */
  events: boolean;
  /** RPC, contract and signer are all known: the anchorer runs; otherwise receipts queue */
  anchoring: boolean;
}

/** The audit part of `Config`, adding to `problems` what cannot work. */
export function resolveAuditConfig(c: Settings, problems: string[]): AuditConfig {
  const rpcUrl = c.skaleRpcUrl ?? BUILTIN_AUDIT_CHAINS[c.auditChainId]?.rpcUrl;
  const anchoring = rpcUrl !== undefined && c.auditContract !== undefined && c.auditSignerKey !== undefined;
  if (c.auditStrict && !anchoring) {
    problems.push(
      "PAG0_AUDIT_STRICT: strict audit mode needs anchoring (PAG0_AUDIT_CONTRACT and ERC8004_SIGNER_KEY, and " +
        "SKALE_RPC_URL off the built-in SKALE chains); otherwise every paid call would end up refused",
    );
  }
  if (rpcUrl === undefined && (c.auditContract !== undefined || c.auditSignerKey !== undefined)) {
    problems.push(`SKALE_RPC_URL: chain ${c.auditChainId} is not a built-in SKALE chain; give its RPC URL`);
  }
  return {
    chainId: c.auditChainId,
    rpcUrl,
    contract: c.auditContract as `0x${string}` | undefined,
    signerKey: c.auditSignerKey as `0x${string}` | undefined,
    agentId: c.auditAgentId === undefined ? undefined : BigInt(c.auditAgentId),
    batchIntervalMs: c.auditBatchIntervalMs,
    batchSize: c.auditBatchSize,
    strict: c.auditStrict,
    maxBacklogSeconds: c.auditMaxBacklogSeconds,
    events: c.auditEvents,
    anchoring,
  };
}
