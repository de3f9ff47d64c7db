import type { Denial } from "../denial.js";
import type { ErrorCode } from "../errors.js";
import type { AuditStore } from "../ledger/auditStore.js";
import type { CallContext } from "../pipeline/context.js";
import type { Quote } from "../policy/quoteRules.js";
import { requestCommitment } from "./requestCommitment.js";

/** Refusals of a quote by policy, budget or approval: each leaves a receipt without settlement. */
const POLICY_DENIALS: ReadonlySet<ErrorCode> = new Set([
  "PRICE_ABOVE_LIMIT",
  "BUDGET_EXCEEDED",
  "NETWORK_NOT_ALLOWED",
  "ASSET_NOT_ALLOWED",
  "PAYEE_NOT_ALLOWED",
  "QUOTE_INVALID",
  "APPROVAL_REQUIRED",
  "APPROVAL_DENIED",
  "FORBIDDEN",
]);

/**
 * Writes the receipt of a policy denial of `quote` (nothing reserved, nothing signed) and returns the denial with
 * `details.receiptId`, the id `pag0 audit verify` and list_spend (status `refused`) know it by. Never fails the call:
 * the refusal stands whether or not its receipt could be written (then it has no receiptId).
 */
export async function recordDenial(
  store: Pick<AuditStore, "recordDenial">,
  ctx: Pick<CallContext, "principal" | "request" | "log">,
  quote: Quote,
  denial: Denial,
): Promise<Denial> {
  if (!POLICY_DENIALS.has(denial.code)) return denial;
  const written = await store
    .recordDenial({
      principal: ctx.principal,
      request: { ...requestCommitment(ctx.request), host: ctx.request.url.hostname },
      quote: {
        scheme: quote.scheme,
        network: quote.network,
        asset: quote.asset,
        amount: quote.amount,
        payTo: quote.payTo,
        x402Version: quote.x402Version,
        maxTimeoutSeconds: quote.maxTimeoutSeconds,
      },
      code: denial.code,
    })
    .catch((err) => void ctx.log.warn({ err, code: denial.code }, "the denial's audit receipt could not be written"));
  return written ? { ...denial, details: { ...denial.details, receiptId: written.receiptId } } : denial;
}
