import * as z from "zod";

/** Money at the edge: a decimal string in USDC, never a float. */
export const amount = z.string().describe('Decimal USDC amount, e.g. "0.01"');

export const budgetSummary = z.object({
  remainingToday: amount,
  remainingMonth: amount,
});

export const spendStatus = z.enum(["reserved", "signed", "settled", "released", "unknown", "expired"]);
