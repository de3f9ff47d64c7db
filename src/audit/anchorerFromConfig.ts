import type { Logger } from "pino";
import { createPublicClient, defineChain, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { AuditStore } from "../ledger/auditStore.js";
import { type Anchorer, createAnchorer } from "./anchorer.js";
import type { AnchorLock } from "./anchorLock.js";
import { type AuditConfig, BUILTIN_AUDIT_CHAINS } from "./auditConfig.js";
import type { AuditMetrics } from "./auditMetrics.js";

/** A viem client of the audit chain (SKALE): 1 s blocks, so receipts are polled every 250 ms. */
export function auditChainClient(audit: Pick<AuditConfig, "chainId" | "rpcUrl">) {
  if (!audit.rpcUrl) throw new Error(`no RPC URL for audit chain ${audit.chainId}: set SKALE_RPC_URL`);
  const chain = defineChain({
    id: audit.chainId,
    name: BUILTIN_AUDIT_CHAINS[audit.chainId]?.name ?? `SKALE ${audit.chainId}`,
    nativeCurrency: { name: "CREDIT", symbol: "CREDIT", decimals: 18 },
    rpcUrls: { default: { http: [audit.rpcUrl] } },
  });
  return createPublicClient({
    chain,
    transport: http(audit.rpcUrl, { retryCount: 1, timeout: 10_000 }),
    pollingInterval: 250,
  });
}

/** What the anchorer runs on besides its config. */
export interface AnchorerSettings {
  store: AuditStore;
  lock: AnchorLock;
  log: Logger;
  metrics: AuditMetrics;
}

/** The anchorer the audit config asks for; only when `audit.anchoring` (RPC, contract and signer are known). */
export function anchorerFromConfig(audit: AuditConfig, deps: AnchorerSettings): Anchorer {
  if (!audit.anchoring || !audit.contract || !audit.signerKey) throw new Error("audit anchoring is not configured");
  return createAnchorer({
    store: deps.store,
    client: auditChainClient(audit),
    chainId: audit.chainId,
    contract: audit.contract,
    signer: privateKeyToAccount(audit.signerKey),
    lock: deps.lock,
    log: deps.log,
    metrics: deps.metrics,
    batchSize: audit.batchSize,
    batchIntervalMs: audit.batchIntervalMs,
    feedbackEvents: audit.events,
    agentId: audit.agentId,
  });
}
