import { decodePaymentResponseHeader } from "@x402/core/http";
import type { SettleResponse } from "@x402/core/types";

/** The settlement a paid response reports (v2 PAYMENT-RESPONSE or v1 X-PAYMENT-RESPONSE), or null. */
export function readSettlement(getHeader: (name: string) => string | null): SettleResponse | null {
  const header = getHeader("PAYMENT-RESPONSE") ?? getHeader("X-PAYMENT-RESPONSE");
  if (!header) return null;
  try {
    return decodePaymentResponseHeader(header);
  } catch {
    return null;
  }
}
