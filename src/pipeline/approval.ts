import { createHash, randomBytes } from "node:crypto";
import { type Denial, deny } from "../denial.js";
import type { Ledger } from "../ledger/ledger.js";
import { toDecimal } from "../money.js";
import type { Quote } from "../policy/quoteRules.js";
import { redactUrl } from "../redact.js";
import type { CallContext } from "./context.js";

export interface ApprovalDeps {
  ledger: Ledger;
  /** quotes above this need a human's yes; undefined = never */
  threshold: bigint | undefined;
  /** how long an out-of-band approval request stays open */
  ttlSeconds: number;
}

/**
 * A human's approval of this exact quote, when it is above the threshold: an out-of-band approval already given
 * for this quote and idempotency key (used once), else an MCP elicitation form, else APPROVAL_REQUIRED with a
 * request only an operator can approve. The model can never approve: no tool decides approvals.
 */
export async function requireApproval(deps: ApprovalDeps, ctx: CallContext, quote: Quote): Promise<Denial | null> {
  if (deps.threshold === undefined || quote.amount <= deps.threshold) return null;
  const url = redactUrl(ctx.request.url);
  const quoteHash = createHash("sha256")
    .update(
      JSON.stringify([
        url,
        ctx.request.method,
        quote.network,
        quote.asset.toLowerCase(),
        quote.amount.toString(),
        quote.payTo.toLowerCase(),
        quote.maxTimeoutSeconds,
      ]),
    )
    .digest("hex");
  const given = await deps.ledger.consumeApproval(ctx.principal, ctx.idempotencyKey, quoteHash);
  // "used": approved before for this very key and quote; the ledger's idempotency check replays that payment
  // (or completes it if it failed), so one approval can never pay twice
  if (given === "approved" || given === "used") return null;
  if (given === "denied") return denied();

  const prompt = {
    amount: toDecimal(quote.amount),
    asset: quote.asset,
    network: quote.network,
    payTo: quote.payTo,
    url,
  };
  ctx.progress?.("approval", `Asking the human to approve ${prompt.amount} USDC`);
  const answer = (await ctx.elicitApproval?.(prompt)) ?? "unsupported";
  if (answer === "approved") return null;
  if (answer === "declined") return denied();

  const request = await deps.ledger.requestApproval({
    id: `apr_${randomBytes(9).toString("base64url")}`,
    principal: ctx.principal,
    idempotencyKey: ctx.idempotencyKey,
    quoteHash,
    details: { ...prompt, threshold: toDecimal(deps.threshold), method: ctx.request.method },
    ttlSeconds: deps.ttlSeconds,
  });
  if (request.status === "approved") {
    // approved between our two reads: spend it now
    return (await deps.ledger.consumeApproval(ctx.principal, ctx.idempotencyKey, quoteHash)) === "approved"
      ? null
      : denied();
  }
  if (request.status === "denied") return denied();
  return deny(
    "APPROVAL_REQUIRED",
    `Paying ${prompt.amount} USDC to ${quote.payTo} is above the approval threshold of ${toDecimal(deps.threshold)} USDC and this client cannot ask the human. Nothing was paid. Ask the human to approve request ${request.id} (operator: the Approve button of the spend dashboard, \`pag0 approvals approve ${request.id}\` in a terminal, or POST /approvals/${request.id}/approve), then retry with idempotencyKey "${ctx.idempotencyKey}".`,
    {
      approvalId: request.id,
      idempotencyKey: ctx.idempotencyKey,
      expiresAt: request.expiresAt.toISOString(),
      ...prompt,
    },
  );
}

const denied = () => deny("APPROVAL_DENIED", "The human declined this payment; nothing was paid.");
