import * as z from "zod";
import type { SpendQuote } from "../ledger/ledger.js";
import { spendQuote } from "../ledger/sqlRows.js";
import type { UpstreamResult } from "../pipeline/context.js";

/** One cached paid response, with the price paid for it so that a hit can record the saving. */
export interface CacheEntry {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  /** epoch ms */
  storedAt: number;
  /** epoch ms; at or after it the entry is served only after revalidation */
  freshUntil: number;
  scope: "principal" | "shared";
  price: { amount: bigint; quote: SpendQuote; receiptId: string | null };
}

/** What a base key holds: an entry, or (when the response had `Vary`) the header names to find the variant. */
export type CacheSlot = { t: "entry"; entry: CacheEntry } | { t: "vary"; vary: string[] };

const entrySchema = z.object({
  t: z.literal("entry"),
  v: z.literal(1),
  status: z.number().int(),
  headers: z.record(z.string(), z.string()),
  body: z.base64(),
  storedAt: z.number(),
  freshUntil: z.number(),
  scope: z.enum(["principal", "shared"]),
  price: z.object({
    amount: z.string().regex(/^\d+$/),
    quote: spendQuote,
    receiptId: z.string().nullable(),
  }),
});

const slotSchema = z.discriminatedUnion("t", [
  entrySchema,
  z.object({ t: z.literal("vary"), vary: z.array(z.string()) }),
]);

/** Settlement proofs of the original payment: a hit paid nothing, so it must not carry them. */
const PAYMENT_HEADERS = new Set(["payment-response", "x-payment-response"]);

export function encodeEntry(entry: CacheEntry): string {
  const headers = Object.fromEntries(Object.entries(entry.headers).filter(([n]) => !PAYMENT_HEADERS.has(n)));
  return JSON.stringify({
    t: "entry",
    v: 1,
    ...entry,
    headers,
    body: Buffer.from(entry.body).toString("base64"),
    price: { ...entry.price, amount: entry.price.amount.toString() },
  });
}

export const encodeVary = (vary: string[]): string => JSON.stringify({ t: "vary", vary });

/** A stored slot, or null for nothing, or for anything that does not parse (another version, corruption): a miss. */
export function decodeSlot(raw: string | null): CacheSlot | null {
  if (raw === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = slotSchema.safeParse(json);
  if (!parsed.success) return null;
  const s = parsed.data;
  if (s.t === "vary") return s;
  return {
    t: "entry",
    entry: {
      status: s.status,
      headers: s.headers,
      body: new Uint8Array(Buffer.from(s.body, "base64")),
      storedAt: s.storedAt,
      freshUntil: s.freshUntil,
      scope: s.scope,
      price: { ...s.price, amount: BigInt(s.price.amount) },
    },
  };
}

/** How many small decoded values a decoder keeps beside the raw value each came from: 4 MB at most. */
const DECODED_SLOTS = 256;
const DECODED_MAX_CHARS = 16 * 1024;

/**
 * `decodeSlot` that keeps the last decoding of each key's value: a hit on an unchanged entry (the memory store
 * hands back the same string, Redis an equal one) skips JSON.parse, validation and base64.
 */
export function slotDecoder(): (key: string, raw: string | null) => CacheSlot | null {
  const decoded = new Map<string, { raw: string; slot: CacheSlot | null }>();
  return (key, raw) => {
    if (raw === null) return null;
    const kept = decoded.get(key);
    if (kept?.raw === raw) return kept.slot;
    const slot = decodeSlot(raw);
    if (raw.length > DECODED_MAX_CHARS) return slot;
    if (decoded.size >= DECODED_SLOTS) decoded.clear();
    decoded.set(key, { raw, slot });
    return slot;
  };
}

/** The response a hit returns, with `Age` saying how long ago it was bought. */
export function entryResponse(entry: CacheEntry, nowMs: number): UpstreamResult {
  const age = Math.max(0, Math.floor((nowMs - entry.storedAt) / 1000)) + Number(entry.headers.age ?? 0);
  return {
    status: entry.status,
    headers: { ...entry.headers, age: String(Number.isFinite(age) ? age : 0) },
    body: entry.body,
    truncated: false,
  };
}

/** The conditional request headers that revalidate a stale entry: its ETag, else its Last-Modified. */
export function validators(entry: CacheEntry): Record<string, string> {
  const etag = entry.headers.etag;
  const lastModified = entry.headers["last-modified"];
  return etag !== undefined ? { "if-none-match": etag } : lastModified ? { "if-modified-since": lastModified } : {};
}
