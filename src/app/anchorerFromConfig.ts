import { privateKeyToAccount } from "viem/accounts";
import { type Anchorer, createAnchorer } from "../audit/anchorer.js";
import type { AuditConfig } from "../config/audit.js";
import { auditChainClient } from "./chainClients.js";
import type { AnchorerSettings } from "./lazyAdapters.js";

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
