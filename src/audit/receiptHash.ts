import canonicalize from "canonicalize";
import { type Hex, keccak256, stringToBytes } from "viem";
import type { ReceiptJson } from "../ledger/auditStore.js";

/** The receipt's RFC 8785 (JCS) canonical JSON: the exact bytes its hash commits to. */
export function canonicalReceipt(receipt: ReceiptJson): string {
  const text = canonicalize(receipt);
  if (text === undefined) throw new TypeError("a receipt must be a JSON object");
  return text;
}

/**
 * keccak256 of the receipt's canonical JSON: what the Merkle leaf commits to. Anyone holding the receipt JSON
 * recomputes it the same way (any RFC 8785 implementation, then keccak256 of the UTF-8 bytes).
 * @example receiptHash({ v: 1, kind: "settlement" }) === keccak256(toBytes('{"kind":"settlement","v":1}'))
 */
export function receiptHash(receipt: ReceiptJson): Hex {
  return keccak256(stringToBytes(canonicalReceipt(receipt)));
}
