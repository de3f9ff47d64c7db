import { recordDenial } from "../audit/denialReceipt.js";
import { bodyHashOf } from "../audit/requestCommitment.js";
import { deny } from "../denial.js";
import { isPag0Error } from "../errors.js";
import type { Signer } from "../ledger/instanceStore.js";
import type { SpendRow } from "../ledger/ledger.js";
import { toDecimal } from "../money.js";
import { paymentIdOf } from "../payment/paymentId.js";
import type { X402Payer } from "../payment/x402Payer.js";
import type { ApprovalDeps } from "./approval.js";
import type { Stage } from "./compose.js";
import type { CallContext } from "./context.js";
import { replayOutcome } from "./replay.js";
import { type Reservation, type ReservationDeps, reserveQuote } from "./reservation.js";
import { type SettleDeps, settlePaid } from "./settlePaid.js";

export interface PaymentStageDeps extends SettleDeps {
  /** null when no wallet is configured (the quote stage refuses every 402 then) */
  payer: X402Payer | null;
  reservationTtlSeconds: number;
  /** how long a retry waits for the first call with the same idempotency key to finish */
  replayWaitMs: number;
  approval: Omit<ApprovalDeps, "ledger">;
  /** this process's instance lease (jobs/instanceLease.ts); without it a signed row waits out the signed grace */
  signer?: Signer;
}

/**
 * Pays a quote the quote stage screened: the option the x402 client picks is reserved in the ledger (or refused)
 * before it is signed, recorded as signed before it leaves the process, then settled. Every other answer passes
 * through untouched.
 */
export function paymentStage(deps: PaymentStageDeps): Stage {
  const reservation: ReservationDeps = {
    ledger: deps.ledger,
    approval: { ledger: deps.ledger, ...deps.approval },
    reservationTtlSeconds: deps.reservationTtlSeconds,
  };
  return async function paymentStage(ctx, next) {
    const answer = await next();
    if (answer.kind !== "quoted") return answer;
    if (!deps.payer) throw new Error("a quote reached the payment stage without a wallet");
    if (ctx.hostPolicyUnread) {
      // fail closed: the host was checked against the principal's last known lists only
      return deny(
        "LEDGER_UNAVAILABLE",
        "The ledger could not be read to check this host against your policy: nothing was paid. Try again.",
      );
    }
    const { rules } = answer;
    const signing = await deps.payer.sign<Reservation>(answer.paymentRequired, {
      allowed: answer.allowed,
      cap: rules.maxPrice !== undefined && rules.maxPrice < rules.perRequest ? rules.maxPrice : rules.perRequest,
      ask: (quote) => reserveQuote(reservation, ctx, quote, rules),
      // a cancellation seen here still means "nothing paid": it is the last moment before the signature
      proceed: (r) => r.kind === "reserved" && !ctx.signal.aborted,
      paymentId: paymentIdOf(ctx.principal, ctx.idempotencyKey),
    });
    switch (signing.kind) {
      case "failed":
        if (signing.answer?.kind === "reserved") {
          const code = isPag0Error(signing.error) ? signing.error.code : "INTERNAL";
          await releaseQuietly(deps, ctx, signing.answer.spend, code);
        }
        throw signing.error;
      case "declined": {
        const r = signing.answer;
        if (r.kind === "replay") return replayOutcome(deps, ctx, r.spend, deps.replayWaitMs);
        if (r.kind === "denied") return recordDenial(deps.ledger, ctx, signing.quote, r);
        await releaseQuietly(deps, ctx, r.spend, "PAYMENT_FAILED");
        return deny("PAYMENT_FAILED", "The call was cancelled before signing; nothing was paid.");
      }
      case "signed": {
        if (signing.answer.kind !== "reserved") throw new Error("signed without a reservation");
        const { spend } = signing.answer;
        // recorded before the authorization leaves the process: from here on only chain state frees this budget
        await deps.ledger.markSigned(
          spend.id,
          { ...signing.payment.authorization, paymentHeaders: signing.payment.headers },
          deps.signer,
        );
        ctx.progress?.("payment", `Signed a payment of ${toDecimal(signing.payment.quote.amount)} USDC`);
        return settlePaid(deps, ctx, spend, signing.payment);
      }
    }
  };
}

async function releaseQuietly(deps: PaymentStageDeps, ctx: CallContext, spend: SpendRow, code: string) {
  // if this fails the unsigned reservation simply expires after its TTL
  await deps.ledger
    .release(spend.id, code, { bodyHash: bodyHashOf(ctx.request.body) })
    .catch((e) => ctx.log.warn({ err: e, spendId: spend.id }, "release failed"));
}
