import type { BudgetStatus } from "../ledger/ledger.js";
import type { CallContext, Outcome } from "../pipeline/context.js";
import { redactUrl } from "../redact.js";
import { BUDGET_ALERT_SHARE } from "./alertEvent.js";
import type { Alerter } from "./alerter.js";

type Run = (ctx: CallContext) => Promise<Outcome>;

/**
 * `run` (the paid_fetch pipeline) with its outcomes watched: a payment whose outcome is unknown alerts, and so does
 * a payment that leaves its principal at 80% or more of a daily or monthly budget. The budget is the one the
 * payment already read while it was in flight (`outcome.budget`), so this adds no ledger round trip, and nothing
 * here is awaited: the outcome goes back as it came.
 */
export function watchOutcomes(run: Run, alerter: Alerter): Run {
  return async function watchedRun(ctx) {
    const outcome = await run(ctx);
    try {
      const unknown =
        outcome.kind === "denied"
          ? outcome.code === "PAYMENT_OUTCOME_UNKNOWN" && typeof outcome.details.receiptId === "string"
            ? outcome.details.receiptId
            : null
          : outcome.spend?.status === "unknown"
            ? outcome.spend.id
            : null;
      if (unknown) {
        const url = redactUrl(ctx.request.url);
        alerter.notify({ kind: "payment_unknown", principal: ctx.principal, receiptId: unknown, url });
      }
      if (outcome.kind === "response" && outcome.payment && outcome.budget) {
        outcome.budget.then((status) => status && budgetAlerts(status, alerter)).catch(() => {});
      }
    } catch (err) {
      ctx.log.warn({ err }, "alert check failed");
    }
    return outcome;
  };
}

function budgetAlerts(status: BudgetStatus, alerter: Alerter) {
  const windows = [
    {
      window: "daily",
      limit: status.limits.daily,
      used: status.spent.today + status.reserved.today,
      resetsAt: status.resetsAt.day,
    },
    {
      window: "monthly",
      limit: status.limits.monthly,
      used: status.spent.month + status.reserved.month,
      resetsAt: status.resetsAt.month,
    },
  ] as const;
  for (const w of windows) {
    // at or past the share, not only the crossing call: concurrent payments may all read past it; dedup keeps one
    if (w.limit > 0n && w.used * BUDGET_ALERT_SHARE.den >= w.limit * BUDGET_ALERT_SHARE.num) {
      alerter.notify({ kind: "budget_threshold", principal: status.principal, ...w });
    }
  }
}
