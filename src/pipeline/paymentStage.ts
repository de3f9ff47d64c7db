import type { BacklogGate } from "../audit/backlogGate.js";
import { recordDenial } from "../audit/denialReceipt.js";
import { bodyHashOf, requestCommitment } from "../audit/requestCommitment.js";
import { type Denial, deny } from "../denial.js";
import { isPag0Error } from "../errors.js";
import type { Ledger, SpendRow } from "../ledger/ledger.js";
import type { ToolMetrics } from "../metrics.js";
import { toDecimal } from "../money.js";
import { type Networks, readPaymentRequired, toQuotes } from "../payment/quote.js";
import { reserveDenial } from "../payment/reserveDenial.js";
import { readSettlement } from "../payment/settlement.js";
import type { SignedPayment, X402Payer } from "../payment/x402Payer.js";
import { checkQuote, type Quote, type QuoteRules, screenQuotes } from "../policy/quoteRules.js";
import type { UpstreamFetch } from "../upstream/upstreamFetch.js";
import { requireApproval } from "./approval.js";
import type { Stage } from "./compose.js";
import type { CallContext, Outcome, PaymentInfo } from "./context.js";
import { readUpstream, replayOutcome, snapshot } from "./upstreamResult.js";

export interface PaymentStageDeps {
  fetch: UpstreamFetch;
  /** the networks Pag0 pays on: quotes naming them by their v1 names are read as these */
  networks: Networks;
  ledger: Ledger;
  /** null when no wallet is configured: free calls still work */
  payer: X402Payer | null;
  rules: Omit<QuoteRules, "maxPrice">;
  maxResponseBytes: number;
  reservationTtlSeconds: number;
  /** how long a retry waits for the first call with the same idempotency key to finish */
  replayWaitMs: number;
  /** quotes above this need a human's approval; undefined = never */
  approvalThreshold: bigint | undefined;
  approvalTtlSeconds: number;
  metrics: ToolMetrics;
  /** backpressure from the audit log: AUDIT_BACKLOG in strict mode when anchoring lags; absent = none */
  auditGate?: BacklogGate;
}

/**
 * The terminal stage: fetch upstream and, on a 402, pay it. Nothing is signed unless policy allowed the exact
 * option and the ledger reserved its amount; every signed payment ends settled, released or unknown.
 */
export function paymentStage(deps: PaymentStageDeps): Stage {
  return async function paymentStage(ctx) {
    const first = await deps.fetch(ctx.request.url, requestInit(ctx));
    if (first.status !== 402) return readUpstream(first, deps.maxResponseBytes).then(free);
    const quoteText = new TextDecoder().decode((await readUpstream(first, 64 * 1024)).body);
    if (first.url && new URL(first.url).origin !== ctx.request.url.origin) {
      // policy and the payment bind to the URL the agent asked for; do not pay a host it was redirected to
      return deny(
        "URL_NOT_ALLOWED",
        `Payment was requested after a redirect to ${new URL(first.url).origin}; call that URL directly.`,
      );
    }
    if (!deps.payer) {
      return deny(
        "WALLET_NOT_CONFIGURED",
        "This API asks for payment, but no wallet is configured; set WALLET_PRIVATE_KEY.",
      );
    }
    const backlog = await deps.auditGate?.();
    if (backlog) return backlog;
    let paymentRequired: ReturnType<typeof readPaymentRequired>;
    try {
      paymentRequired = readPaymentRequired((n) => first.headers.get(n), quoteText);
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
    const approval = { ledger: deps.ledger, threshold: deps.approvalThreshold, ttlSeconds: deps.approvalTtlSeconds };

    let spend: SpendRow | null = null;
    let replayed: SpendRow | null = null;
    let signed: SignedPayment | Denial;
    let considered: Quote | null = null; // the option a refusal in beforeSign was about, for its audit receipt
    try {
      signed = await deps.payer.sign(paymentRequired, {
        allowed: screened.allowed,
        cap: rules.maxPrice !== undefined && rules.maxPrice < rules.perRequest ? rules.maxPrice : rules.perRequest,
        async beforeSign(quote) {
          considered = quote;
          const denial = checkQuote(quote, rules) ?? (await requireApproval(approval, ctx, quote));
          if (denial) return denial;
          const r = await deps.ledger.reserve(reserveInput(ctx, quote, deps.reservationTtlSeconds));
          if (!r.ok) return reserveDenial(r, quote.amount);
          if (r.replayed) {
            replayed = r.spend;
            return deny("INVALID_INPUT", "replay");
          }
          spend = r.spend;
          // the last moment a cancellation can still mean "nothing paid"
          if (ctx.signal.aborted)
            return deny("PAYMENT_FAILED", "The call was cancelled before signing; nothing was paid.");
          return null;
        },
      });
    } catch (e) {
      if (spend) await releaseQuietly(deps.ledger, ctx, spend, isPag0Error(e) ? e.code : "INTERNAL");
      throw e;
    }
    if (replayed) return replayOutcome(deps.ledger, replayed, deps.replayWaitMs);
    if ("kind" in signed) {
      if (spend) await releaseQuietly(deps.ledger, ctx, spend, signed.code);
      else if (considered) await recordDenial(deps.ledger, ctx, considered, signed);
      return signed;
    }
    const reserved = spend as unknown as SpendRow;
    // recorded before the authorization leaves the process: from here on only chain state frees this budget
    await deps.ledger.markSigned(reserved.id, signed.authorization);
    ctx.progress?.("payment", `Signed a payment of ${toDecimal(signed.quote.amount)} USDC`);
    return sendPaid(deps, ctx, reserved, signed);
  };
}

async function sendPaid(
  deps: PaymentStageDeps,
  ctx: CallContext,
  spend: SpendRow,
  signed: SignedPayment,
): Promise<Outcome> {
  const payment: PaymentInfo = {
    amount: signed.quote.amount,
    asset: signed.quote.asset,
    network: signed.quote.network,
    payTo: signed.quote.payTo,
    payer: signed.authorization.payer,
    txHash: null,
    x402Version: signed.quote.x402Version,
  };
  // the budget as this payment left it (reserved counts like spent), read while the paid request is in flight
  const budget = deps.ledger.budgetStatus(ctx.principal).catch(() => null);
  let second: Response;
  try {
    second = await deps.fetch(ctx.request.url, requestInit(ctx, signed.headers));
  } catch (e) {
    await markUnknownQuietly(deps.ledger, ctx, spend, isPag0Error(e) ? e.code : "UPSTREAM_ERROR");
    return unknownOutcome(spend, "the server did not answer after receiving the payment");
  }
  const settlement = readSettlement((n) => second.headers.get(n));
  if (settlement?.success) {
    const response = await readUpstream(second, deps.maxResponseBytes).catch(() => null);
    payment.txHash = settlement.transaction || null;
    ctx.progress?.("settlement", `Settled in ${payment.txHash ?? "an unknown transaction"}`);
    deps.metrics.payments.inc({ network: payment.network, status: "settled" });
    deps.metrics.paidAtomic.inc({ network: payment.network }, Number(payment.amount));
    const settled = await deps.ledger
      .settle(spend.id, {
        txHash: payment.txHash,
        response: response && snapshot(response),
        bodyHash: bodyHashOf(ctx.request.body),
      })
      .catch((e) => {
        // paid but not recorded: the row stays "signed" and the reconciler settles it from chain state
        ctx.log.error({ err: e, spendId: spend.id }, "settled payment could not be recorded yet");
        return spend;
      });
    if (!response) return unknownOutcome(settled, "the paid response could not be read", "UPSTREAM_ERROR");
    return { kind: "response", response, payment, spend: settled, budget };
  }
  if (second.status === 402 || settlement) {
    // Refused, but the server holds a signed authorization it can still submit until validBefore (a dishonest
    // server settles and says it did not). Releasing now would let the agent spend that amount twice; it stays
    // held until the reconciler sees the authorization used (settled) or expired unused (released).
    await second.body?.cancel().catch(() => {});
    await markUnknownQuietly(deps.ledger, ctx, spend, "PAYMENT_REFUSED");
    deps.metrics.payments.inc({ network: payment.network, status: "refused" });
    const reason = settlement?.errorReason ?? paymentError(second) ?? null;
    const validUntil = new Date(Number(signed.authorization.validBefore) * 1000).toISOString();
    return deny(
      "PAYMENT_OUTCOME_UNKNOWN",
      `The server refused the payment${reason ? ` (${reason})` : ""}, but the authorization it received can be used until ${validUntil}: its ${toDecimal(payment.amount)} USDC stays reserved until then and is released if it was not used. Nothing was charged unless the server uses it; retry with the same idempotencyKey to get the outcome.`,
      { receiptId: spend.id, idempotencyKey: spend.idempotencyKey, reason, validUntil },
    );
  }
  // an answer without a settlement: we may or may not have been charged
  await markUnknownQuietly(deps.ledger, ctx, spend, "NO_SETTLEMENT");
  deps.metrics.payments.inc({ network: payment.network, status: "unknown" });
  if (second.status >= 200 && second.status < 300) {
    const response = await readUpstream(second, deps.maxResponseBytes);
    return { kind: "response", response, payment, spend: { ...spend, status: "unknown" }, budget };
  }
  await second.body?.cancel().catch(() => {});
  return unknownOutcome(spend, `the server answered ${second.status} without a settlement`);
}

const free = (response: Awaited<ReturnType<typeof readUpstream>>): Outcome => ({
  kind: "response",
  response,
  payment: null,
  spend: null,
});

function unknownOutcome(
  spend: SpendRow,
  why: string,
  code: "PAYMENT_OUTCOME_UNKNOWN" | "UPSTREAM_ERROR" = "PAYMENT_OUTCOME_UNKNOWN",
) {
  return deny(
    code,
    `Payment signed but its outcome is unknown: ${why}. The amount stays reserved until the chain shows whether it was settled; retry with the same idempotencyKey to get the outcome.`,
    { receiptId: spend.id, idempotencyKey: spend.idempotencyKey },
  );
}

function requestInit(ctx: CallContext, paymentHeaders?: Record<string, string>): RequestInit {
  return {
    method: ctx.request.method,
    headers: { ...ctx.request.headers, ...paymentHeaders },
    body: ctx.request.body,
    // once a payment is sent, a cancelled call still waits for its outcome (the upstream timeout still applies):
    // the money may move either way, and the ledger must learn which
    signal: paymentHeaders ? undefined : ctx.signal,
  };
}

function reserveInput(ctx: CallContext, quote: Quote, ttlSeconds: number) {
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

function paymentError(res: Response): string | undefined {
  try {
    return readPaymentRequired((n) => res.headers.get(n), "{}").error;
  } catch {
    return undefined;
  }
}

async function releaseQuietly(ledger: Ledger, ctx: CallContext, spend: SpendRow, code: string) {
  // if this fails the unsigned reservation simply expires after its TTL
  await ledger
    .release(spend.id, code, { bodyHash: bodyHashOf(ctx.request.body) })
    .catch((e) => ctx.log.warn({ err: e, spendId: spend.id }, "release failed"));
}

async function markUnknownQuietly(ledger: Ledger, ctx: CallContext, spend: SpendRow, code: string) {
  // if this fails the row stays "signed", which the reconciler also decides from chain state
  await ledger
    .markUnknown(spend.id, code)
    .catch((e) => ctx.log.warn({ err: e, spendId: spend.id }, "mark unknown failed"));
}
