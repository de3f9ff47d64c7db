import { bodyHashOf } from "../audit/requestCommitment.js";
import { deny } from "../denial.js";
import { isPag0Error } from "../errors.js";
import type { Ledger, SpendRow } from "../ledger/ledger.js";
import type { ToolMetrics } from "../metrics.js";
import { toDecimal } from "../money.js";
import { readPaymentRequired } from "../payment/quote.js";
import { readSettlement } from "../payment/settlement.js";
import type { SignedPayment } from "../payment/x402Payer.js";
import type { UpstreamFetch } from "../upstream/upstreamFetch.js";
import type { CallContext, Outcome, PaymentInfo } from "./context.js";
import { upstreamInit } from "./fetchStage.js";
import { readUpstream, snapshot } from "./upstreamResult.js";

export interface SettleDeps {
  fetch: UpstreamFetch;
  ledger: Ledger;
  maxResponseBytes: number;
  metrics: ToolMetrics;
}

/**
 * The settlement step: send the signed payment with the request, and record what the server says it did with it.
 * Every path ends with the row settled or unknown; an unknown row stays held until the chain decides it.
 */
export async function settlePaid(
  deps: SettleDeps,
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
  let answer: Response;
  try {
    answer = await deps.fetch(ctx.request.url, upstreamInit(ctx, signed.headers));
  } catch (e) {
    await markUnknownQuietly(deps.ledger, ctx, spend, isPag0Error(e) ? e.code : "UPSTREAM_ERROR");
    return unknownOutcome(spend, "the server did not answer after receiving the payment");
  }
  const settlement = readSettlement((n) => answer.headers.get(n));
  if (settlement?.success) {
    const response = await readUpstream(answer, deps.maxResponseBytes).catch(() => null);
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
  if (answer.status === 402 || settlement) {
    // Refused, but the server holds a signed authorization it can still submit until validBefore (a dishonest
    // server settles and says it did not). Releasing now would let the agent spend that amount twice; it stays
    // held until the reconciler sees the authorization used (settled) or expired unused (released).
    await answer.body?.cancel().catch(() => {});
    await markUnknownQuietly(deps.ledger, ctx, spend, "PAYMENT_REFUSED");
    deps.metrics.payments.inc({ network: payment.network, status: "refused" });
    const reason = settlement?.errorReason ?? paymentError(answer) ?? null;
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
  if (answer.status >= 200 && answer.status < 300) {
    const response = await readUpstream(answer, deps.maxResponseBytes);
    return { kind: "response", response, payment, spend: { ...spend, status: "unknown" }, budget };
  }
  await answer.body?.cancel().catch(() => {});
  return unknownOutcome(spend, `the server answered ${answer.status} without a settlement`);
}

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

function paymentError(res: Response): string | undefined {
  try {
    return readPaymentRequired((n) => res.headers.get(n), "{}").error;
  } catch {
    return undefined;
  }
}

async function markUnknownQuietly(ledger: Ledger, ctx: CallContext, spend: SpendRow, code: string) {
  // if this fails the row stays "signed", which the reconciler also decides from chain state
  await ledger
    .markUnknown(spend.id, code)
    .catch((e) => ctx.log.warn({ err: e, spendId: spend.id }, "mark unknown failed"));
}
