import type { Counter, Gauge, Registry } from "prom-client";
import { promClient } from "../promClient.js";

export interface AuditMetrics {
  /** age of the oldest receipt not yet anchored on chain (0 when none waits) */
  backlogSeconds: Gauge;
  /** receipts queued or in a batch not yet confirmed */
  unanchored: Gauge;
  /** paid calls refused with AUDIT_BACKLOG (strict mode) */
  backlogRefusals: Counter;
  /** batches and receipts confirmed on chain by this instance */
  anchoredBatches: Counter;
  anchoredReceipts: Counter;
}

/** The audit group of `Metrics` (src/metrics.ts). */
export function auditMetrics(registry: Registry): AuditMetrics {
  const { Counter, Gauge } = promClient();
  const registers = [registry];
  return {
    backlogSeconds: new Gauge({
      name: "pag0_audit_backlog_seconds",
      help: "Age of the oldest audit receipt not yet anchored on chain",
      registers,
    }),
    unanchored: new Gauge({
      name: "pag0_audit_unanchored_receipts",
      help: "Audit receipts queued or in a batch not yet confirmed on chain",
      registers,
    }),
    backlogRefusals: new Counter({
      name: "pag0_audit_backlog_refusals_total",
      help: "Paid calls refused because the audit backlog is too old (strict mode)",
      registers,
    }),
    anchoredBatches: new Counter({
      name: "pag0_audit_batches_anchored_total",
      help: "Audit batches confirmed on chain",
      registers,
    }),
    anchoredReceipts: new Counter({
      name: "pag0_audit_receipts_anchored_total",
      help: "Audit receipts confirmed on chain",
      registers,
    }),
  };
}
