import { describe, expect, test } from "vitest";
import {
  type CacheEntry,
  decodeSlot,
  encodeEntry,
  encodeVary,
  entryResponse,
  slotDecoder,
} from "../../src/cache/cacheEntry.js";
import { testQuote } from "../support/spendQuote.js";

const entry = (overrides: Partial<CacheEntry> = {}): CacheEntry => ({
  status: 200,
  headers: { "content-type": "application/json", "payment-response": "proof", "x-payment-response": "proof" },
  body: new Uint8Array([0, 1, 2, 255]),
  storedAt: 1_000_000,
  freshUntil: 1_060_000,
  scope: "principal",
  price: { amount: 25_000n, quote: testQuote(), receiptId: "42" },
  ...overrides,
});

describe("cache entries", () => {
  test("default: an entry round-trips, binary body and price included, without settlement proofs", () => {
    const slot = decodeSlot(encodeEntry(entry()));
    expect(slot).toEqual({
      t: "entry",
      entry: entry({ headers: { "content-type": "application/json" } }),
    });
  });

  test("behavior: a vary index round-trips", () => {
    expect(decodeSlot(encodeVary(["accept"]))).toEqual({ t: "vary", vary: ["accept"] });
  });

  test.each([
    ["nothing", null],
    ["not JSON", "{oops"],
    ["another version", JSON.stringify({ ...JSON.parse(encodeEntry(entry())), v: 2 })],
    ["a body that is not base64", JSON.stringify({ ...JSON.parse(encodeEntry(entry())), body: "***" })],
    [
      "a negative or fractional price",
      JSON.stringify({ ...JSON.parse(encodeEntry(entry())), price: { amount: "-1" } }),
    ],
  ])("behavior: %s reads as a miss", (_name, raw) => {
    expect(decodeSlot(raw)).toBeNull();
  });

  test("behavior: a served entry says its age, on top of the age it had when bought", () => {
    expect(entryResponse(entry(), 1_000_000 + 61_500).headers.age).toBe("61");
    expect(entryResponse(entry({ headers: { age: "10" } }), 1_005_000).headers.age).toBe("15");
    expect(entryResponse(entry(), 1_000_000)).toMatchObject({ status: 200, truncated: false });
  });
});

describe("slotDecoder", () => {
  test("default: an unchanged value is decoded once; a changed one again; a large one is never kept", () => {
    const decode = slotDecoder();
    const raw = encodeEntry(entry());
    const first = decode("k", raw);
    expect(first).toEqual(decodeSlot(raw));
    expect(decode("k", `${raw}`)).toBe(first); // an equal string from the store: the same decoding
    const changed = encodeEntry(entry({ status: 203 }));
    expect(decode("k", changed)).not.toBe(first);
    expect(decode("k", changed)).toMatchObject({ t: "entry", entry: { status: 203 } });
    const big = encodeEntry(entry({ body: new Uint8Array(20_000) }));
    expect(decode("big", big)).not.toBe(decode("big", big));
    expect(decode("k", null)).toBeNull();
  });
});
