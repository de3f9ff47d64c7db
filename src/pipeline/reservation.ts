import { requestCommitment } from "../audit/requestCommitment.js";
import type { Denial } from "../denial.js";
import type { Ledger, ReserveInput, SpendRow } from "../ledger/ledger.js";
import { reserveDenial } from "../payment/reserveDenial.js";
import { checkQuote, type Quote, type QuoteRules } from "../policy/quoteRules.js";
import { type ApprovalDeps, requireApproval } from "./approval.js";
import type { CallContext } from "./context.js";

/**
 * The answer to "may this exact option be signed?": `reserved` (its amount is held in the ledger), `replay` (the
 * idempotency key already paid or is paying: answer with that, never pay again), or a refusal.
 */
export type Reservation = { kind: "reserved"; spend: SpendRow } | { kind: "replay"; spend: SpendRow } | Denial;

export interface ReservationDeps {
  ledger: Ledger;
  approval: ApprovalDeps;
  reservationTtlSeconds: number;
}

/** Policy on the exact option, a human's approval above the threshold, then the ledger's atomic reservation. */
export async function reserveQuote(
  deps: ReservationDeps,
  ctx: CallContext,
  quote: Quote,
  rules: QuoteRules,
): Promise<Reservation> {
  const denial = checkQuote(quote, rules) ?? (await requireApproval(deps.approval, ctx, quote));
  if (denial) return denial;
  const r = await deps.ledger.reserve(reserveInput(ctx, quote, deps.reservationTtlSeconds));
  if (!r.ok) return reserveDenial(r, quote.amount);
  return { kind: r.replayed ? "replay" : "reserved", spend: r.spend };
}

/** What the ledger records of the call it reserves for: the request's commitment and the option to be signed. */
export function reserveInput(ctx: CallContext, quote: Quote, ttlSeconds: number): ReserveInput {
  const { method, url, requestHash } = requestCommitment(ctx.request);
  return {
    principal: ctx.principal,
    amount: quote.amount,
    idempotencyKey: ctx.idempotencyKey,
    request: { method, url, host: ctx.request.url.hostname, requestHash },
    quote: {
      scheme: quote.scheme,
      network: quote.network,
      asset: quote.asset,
      payTo: quote.payTo,
      x402Version: quote.x402Version,
      maxTimeoutSeconds: quote.maxTimeoutSeconds,
    },
    ttlSeconds,
  };
}
