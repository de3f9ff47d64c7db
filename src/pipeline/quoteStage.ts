import type { BacklogGate } from "../audit/backlogGate.js";
import { recordDenial } from "../audit/denialReceipt.js";
import { deny } from "../denial.js";
import { isPag0Error } from "../errors.js";
import type { AuditStore } from "../ledger/auditStore.js";
import { type Networks, readPaymentRequired, toQuotes } from "../payment/quote.js";
import { type QuoteRules, screenQuotes } from "../policy/quoteRules.js";
import type { Stage } from "./compose.js";

/** Quotes larger than this are not read: a real 402 says what it costs in a few hundred bytes. */
const MAX_QUOTE_BYTES = 64 * 1024;

export interface QuoteStageDeps {
  /** the networks Pag0 pays on: quotes naming them by their v1 names are read as these */
  networks: Networks;
  /** where refusals of a quote leave their receipt */
  ledger: Pick<AuditStore, "recordDenial">;
  /** false when no wallet is configured: free calls still work, a 402 is refused */
  canPay: boolean;
  rules: Omit<QuoteRules, "maxPrice">;
  /** backpressure from the audit log: AUDIT_BACKLOG in strict mode when anchoring lags; absent = none */
  auditGate?: BacklogGate;
}

/**
 * Turns the upstream's 402 into the options policy allows (`quoted`, for the payment stage), or a refusal with
 * its receipt. Every other answer passes through untouched.
 */
export function quoteStage(deps: QuoteStageDeps): Stage {
  return async function quoteStage(ctx, next) {
    const answer = await next();
    if (answer.kind !== "response" || answer.response.status !== 402) return answer;
    const { response } = answer;
    if (response.answeredBy) {
      // policy and the payment bind to the URL the agent asked for; do not pay a host it was redirected to
      return deny(
        "URL_NOT_ALLOWED",
        `Payment was requested after a redirect to ${response.answeredBy}; call that URL directly.`,
      );
    }
    if (!deps.canPay) {
      return deny(
        "WALLET_NOT_CONFIGURED",
        "This API asks for payment, but no wallet is configured; set WALLET_PRIVATE_KEY.",
      );
    }
    const backlog = await deps.auditGate?.();
    if (backlog) return backlog;
    const body = new TextDecoder().decode(response.body.subarray(0, MAX_QUOTE_BYTES));
    let paymentRequired: ReturnType<typeof readPaymentRequired>;
    try {
      paymentRequired = readPaymentRequired((n) => response.headers[n.toLowerCase()] ?? null, body);
    } catch (e) {
      if (isPag0Error(e)) return deny(e.code, e.message);
      throw e;
    }
    const rules: QuoteRules = { ...deps.rules, maxPrice: ctx.maxPrice };
    const screened = screenQuotes(toQuotes(paymentRequired, deps.networks), rules);
    if (screened.denial) {
      return screened.denied ? recordDenial(deps.ledger, ctx, screened.denied, screened.denial) : screened.denial;
    }
    ctx.progress?.("quote", `Payment required: ${screened.allowed.length} acceptable option(s)`);
    return { kind: "quoted", paymentRequired, allowed: screened.allowed, rules };
  };
}
