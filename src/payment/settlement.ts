import { x402Client, x402HTTPClient } from "@x402/core/client";
import type { SettleResponse } from "@x402/core/types";

/** The settlement a paid response reports (v2 PAYMENT-RESPONSE or v1 X-PAYMENT-RESPONSE), or null. */
export function readSettlement(getHeader: (name: string) => string | null): SettleResponse | null {
  try {
    return new x402HTTPClient(new x402Client()).getPaymentSettleResponse(getHeader);
  } catch {
    return null;
  }
}
