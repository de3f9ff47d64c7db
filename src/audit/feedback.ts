import type { Hex } from "viem";
import type { ReceiptJson } from "../ledger/auditStore.js";

const MAX_INT128 = 2n ** 127n - 1n;
const TAG = { settlement: "x402.paid", release: "x402.released", denial: "x402.denied" } as const;

/**
 * One ERC-8004 `NewFeedback` entry for a receipt: value = amount in USDC atomic units (6 decimals), tag1 = what
 * happened, tag2 = the payment network, endpoint = the paid API's origin (never its path or query),
 * feedbackHash = the receipt hash. Everything else stays off chain.
 */
export function feedbackOf(receipt: ReceiptJson, receiptHash: Hex) {
  const quote = (receipt.quote ?? {}) as Record<string, unknown>;
  const request = (receipt.request ?? {}) as Record<string, unknown>;
  const amount = typeof quote.amount === "string" && /^\d{1,39}$/.test(quote.amount) ? BigInt(quote.amount) : 0n;
  return {
    value: amount <= MAX_INT128 ? amount : 0n,
    valueDecimals: 6,
    tag1: TAG[receipt.kind as keyof typeof TAG] ?? "x402",
    tag2: typeof quote.network === "string" ? quote.network : "",
    endpoint: originOf(request.url),
    feedbackURI: "",
    feedbackHash: receiptHash,
  };
}

function originOf(url: unknown): string {
  try {
    return typeof url === "string" ? new URL(url).origin : "";
  } catch {
    return "";
  }
}
