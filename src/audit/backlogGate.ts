import type { Logger } from "pino";
import { type Denial, deny } from "../denial.js";
import type { AuditBacklog, AuditStore } from "../ledger/auditStore.js";
import type { AuditMetrics } from "./auditMetrics.js";

export interface BacklogGateDeps {
  store: Pick<AuditStore, "auditBacklog">;
  /** refuse new paid calls (AUDIT_BACKLOG) instead of only warning */
  strict: boolean;
  /** an anchorer is configured; without one (and without strict mode) receipts just queue and nothing is checked */
  anchoring: boolean;
  maxBacklogSeconds: number;
  metrics: AuditMetrics;
  log: Logger;
  /** how long one backlog reading serves every call (one query per second, not per call) */
  cacheMs?: number;
  now?: () => number;
  /** called once each time the backlog passes the limit (an alert), not for every call while it stays past it */
  onOverLimit?: (details: { oldestUnanchoredSeconds: number; limitSeconds: number; unanchored: number }) => void;
}

/** Returns AUDIT_BACKLOG for a paid call when strict mode is on and anchoring lags; null otherwise. */
export type BacklogGate = () => Promise<Denial | null>;

/**
 * Backpressure from the audit log onto new payments: when the oldest unanchored receipt is older than the limit,
 * strict mode refuses paid calls before anything is reserved or signed; otherwise a warning (once a minute) and
 * the `pag0_audit_backlog_seconds` gauge. A backlog that cannot be read refuses nothing: the ledger's own failure
 * already refuses the payment.
 */
export function backlogGate(deps: BacklogGateDeps): BacklogGate {
  const now = deps.now ?? Date.now;
  const cacheMs = deps.cacheMs ?? 1_000;
  let reading: { at: number; backlog: Promise<AuditBacklog | null> } | null = null;
  let warnedAt = Number.NEGATIVE_INFINITY;
  let over = false;

  const read = () => {
    if (!reading || now() - reading.at >= cacheMs) {
      reading = { at: now(), backlog: deps.store.auditBacklog().catch(() => null) };
    }
    return reading.backlog;
  };

  return async function backlogGate() {
    if (!deps.strict && !deps.anchoring) return null;
    const backlog = await read();
    if (!backlog) return null;
    const ageSeconds = backlog.oldestUnanchoredAt
      ? Math.max(0, Math.floor((now() - backlog.oldestUnanchoredAt.getTime()) / 1000))
      : 0;
    deps.metrics.backlogSeconds.set(ageSeconds);
    deps.metrics.unanchored.set(backlog.unanchored);
    const wasOver = over;
    over = ageSeconds > deps.maxBacklogSeconds;
    if (!over) return null;
    const details = {
      oldestUnanchoredSeconds: ageSeconds,
      limitSeconds: deps.maxBacklogSeconds,
      unanchored: backlog.unanchored,
    };
    if (!wasOver) deps.onOverLimit?.(details);
    if (deps.strict) {
      deps.metrics.backlogRefusals.inc();
      return deny(
        "AUDIT_BACKLOG",
        `The audit log is ${ageSeconds} s behind (limit ${deps.maxBacklogSeconds} s) and strict audit mode is on, so nothing was paid. Try again once receipts are anchored.`,
        details,
      );
    }
    if (now() - warnedAt >= 60_000) {
      warnedAt = now();
      deps.log.warn(details, "audit receipts are waiting longer than PAG0_AUDIT_MAX_BACKLOG_SECONDS to be anchored");
    }
    return null;
  };
}
