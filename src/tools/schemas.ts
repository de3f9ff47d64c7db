import * as z from "zod";

/** Money at the edge: a decimal string in USDC, never a float. */
export const amount = z.string().describe('Decimal USDC amount, e.g. "0.01"');

export const budgetSummary = z.object({
  remainingToday: amount,
  remainingMonth: amount,
});

export const spendStatus = z.enum(["reserved", "signed", "settled", "released", "unknown", "expired"]);

/** What list_spend can filter on and show: a ledger row's status, or `refused` for a refused call's receipt. */
export const listedStatus = z.enum([...spendStatus.options, "refused"]);
