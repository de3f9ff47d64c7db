import type { ReserveInput } from "../../src/ledger/ledger.js";
import { testQuote } from "./spendQuote.js";

let keys = 0;

/** A reservation of 1 atomic unit under a fresh idempotency key (its request hash follows the key). */
export function testReserveInput(principal: string, overrides: Partial<ReserveInput> = {}): ReserveInput {
  const key = overrides.idempotencyKey ?? `key-${process.pid}-${++keys}`;
  return {
    principal,
    amount: 1n,
    idempotencyKey: key,
    request: { method: "GET", url: "https://api.example.com/x", host: "api.example.com", requestHash: `h-${key}` },
    quote: testQuote(),
    ttlSeconds: 600,
    ...overrides,
  };
}
