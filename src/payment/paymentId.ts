import { createHash } from "node:crypto";
import type { PaymentPayload, PaymentRequired } from "@x402/core/types";
import { PAYMENT_IDENTIFIER } from "@x402/extensions/payment-identifier";

/**
 * The x402 `payment-identifier` of a call: derived from the principal and its idempotency key, so a retry of the
 * same logical request carries the same id, and a server that honours the extension answers it with what it
 * already sold instead of charging again.
 */
export function paymentIdOf(principal: string, idempotencyKey: string): string {
  return `pag0_${createHash("sha256").update(`${principal}\0${idempotencyKey}`).digest("hex").slice(0, 48)}`;
}

/** The payload with its payment id, next to what the server declared of the extension (v1 has no extensions). */
export function withPaymentId(payload: PaymentPayload, paymentRequired: PaymentRequired, id: string): PaymentPayload {
  if (payload.x402Version < 2) return payload;
  const declared = paymentRequired.extensions?.[PAYMENT_IDENTIFIER] as { info?: object } | undefined;
  const extension = { ...declared, info: { required: false, ...declared?.info, id } };
  return { ...payload, extensions: { ...payload.extensions, [PAYMENT_IDENTIFIER]: extension } };
}

export { PAYMENT_IDENTIFIER };
