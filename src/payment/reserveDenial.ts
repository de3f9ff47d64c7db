import { type Denial, deny } from "../denial.js";
import type { ReserveDenial } from "../ledger/ledger.js";
import { toDecimal } from "../money.js";

/** Turn the ledger's refusal into the sentence the agent and the human read. */
export function reserveDenial(r: ReserveDenial, amount: bigint, now = new Date()): Denial {
  switch (r.reason) {
    case "per_request_limit":
      return deny(
        "PRICE_ABOVE_LIMIT",
        `Price ${toDecimal(amount)} USDC is above the per-request limit of ${toDecimal(r.limit)} USDC; nothing was paid.`,
        { price: toDecimal(amount), limit: toDecimal(r.limit), limitSource: "policy" },
      );
    case "daily_limit":
    case "monthly_limit":
    case "wallet_daily_limit":
    case "wallet_monthly_limit": {
      const daily = r.reason === "daily_limit" || r.reason === "wallet_daily_limit";
      const wallet = r.reason.startsWith("wallet_");
      const resets = daily
        ? "Resets at 00:00 UTC."
        : `Resets on ${new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().slice(0, 10)} (UTC).`;
      const held = r.reserved > 0n ? ` (${toDecimal(r.reserved)} more held by payments in flight)` : "";
      return deny(
        "BUDGET_EXCEEDED",
        `${wallet ? "The wallet-wide " : ""}${daily ? "daily" : "monthly"} budget exceeded: ${toDecimal(r.spent)} of ${toDecimal(r.limit)} USDC ${wallet ? "used by all agents " : "spent "}${daily ? "today" : "this month"}${held}, this call needs ${toDecimal(amount)}. ${resets}`.replace(
          /^./,
          (c) => c.toUpperCase(),
        ),
        {
          window: daily ? "day" : "month",
          scope: wallet ? "wallet" : "principal",
          limit: toDecimal(r.limit),
          spent: toDecimal(r.spent),
          reserved: toDecimal(r.reserved),
          needed: toDecimal(amount),
        },
      );
    }
    case "idempotency_conflict":
      return deny("INVALID_INPUT", "This idempotencyKey was already used for a different request; use a new key.");
    case "unknown_principal":
      return deny("FORBIDDEN", "No budget is configured for this principal, so it cannot pay.");
  }
}
