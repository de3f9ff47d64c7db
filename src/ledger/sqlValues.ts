import { z } from "zod";

// The scalar values the ledger's SQL functions return inside their jsonb, parsed the same way by every ledger file.
// An answer that does not parse is treated like an outage by sqlLedger(): no payment on nonsense.

/** USDC atomic units, limits and counters: a non-negative integer as a decimal string (bigint in SQL). */
export const atomic = z
  .string()
  .regex(/^\d+$/)
  .transform((s) => BigInt(s));

/** A timestamptz as ISO 8601 text; anything that is not a time is refused, not turned into an Invalid Date. */
export const instant = z.string().transform((s, ctx) => {
  const at = new Date(s);
  if (Number.isNaN(at.getTime())) ctx.addIssue({ code: "custom", message: `not a timestamp: ${s}` });
  return at;
});
