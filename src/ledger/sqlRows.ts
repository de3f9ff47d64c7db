import { z } from "zod";
import type { BudgetStatus, CacheHitResult, ListSpendResult, RefusalRow, ReserveResult, SpendRow } from "./ledger.js";
import { atomic, instant } from "./sqlValues.js";

// Parsers for the jsonb the ledger's SQL functions return (snake_case, bigints and instants as strings).
// An answer that does not parse is treated like an outage by sqlLedger(): no payment on nonsense.

const spendStatus = z.enum(["reserved", "signed", "settled", "released", "unknown", "expired"]);

/** The quote a spend row keeps (camelCase: stored as the pipeline wrote it); also the price of a cache entry. */
export const spendQuote = z.object({
  scheme: z.string(),
  network: z.string(),
  asset: z.string(),
  payTo: z.string(),
  x402Version: z.number(),
  maxTimeoutSeconds: z.number(),
});

/** What a ledger row and a refusal's receipt both show: who, how much, which request and quote, and when. */
const listedFields = {
  principal: z.string(),
  amount: atomic,
  request_hash: z.string(),
  method: z.string(),
  url: z.string(),
  host: z.string(),
  quote: spendQuote,
  created_at: instant,
};

export const spendRow = z
  .object({
    ...listedFields,
    id: z.string().regex(/^\d+$/),
    status: spendStatus,
    idempotency_key: z.string(),
    authorization: z
      .object({
        payer: z.string(),
        nonce: z.string(),
        validBefore: atomic,
        paymentHeaders: z.record(z.string(), z.string()).optional(),
      })
      .nullable(),
    tx_hash: z.string().nullable(),
    outcome_code: z.string().nullable(),
    response: z.unknown(),
    updated_at: instant,
    expires_at: instant,
    // cache savings (spend_events.cached, saved, cached_from); defaults keep rows without them readable
    cached: z.boolean().default(false),
    saved: atomic.default(0n),
    cached_from: z.string().nullable().default(null),
  })
  .transform(
    (r): SpendRow => ({
      id: r.id,
      principal: r.principal,
      status: r.status,
      idempotencyKey: r.idempotency_key,
      amount: r.amount,
      request: { method: r.method, url: r.url, host: r.host, requestHash: r.request_hash },
      quote: r.quote,
      authorization: r.authorization,
      txHash: r.tx_hash,
      outcomeCode: r.outcome_code,
      response: r.response ?? null,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      expiresAt: r.expires_at,
      cached: r.cached,
      saved: r.saved,
      cachedFrom: r.cached_from,
    }),
  );

export const reserveResult = z
  .union([
    z.object({ ok: z.literal(true), replayed: z.boolean(), spend: spendRow }),
    z.object({ ok: z.literal(false), reason: z.literal("per_request_limit"), limit: atomic }),
    z.object({
      ok: z.literal(false),
      reason: z.enum(["daily_limit", "monthly_limit", "wallet_daily_limit", "wallet_monthly_limit"]),
      limit: atomic,
      spent: atomic,
      reserved: atomic,
    }),
    z.object({ ok: z.literal(false), reason: z.enum(["unknown_principal", "idempotency_conflict"]) }),
  ])
  .transform((r): ReserveResult => (r.ok ? { ok: true, replayed: r.replayed, spend: r.spend } : r) as ReserveResult);

/** What mark_signed / settle_spend / release_spend / mark_unknown answer. */
export const transitionResult = z.union([
  z.object({ ok: z.literal(true), replayed: z.boolean(), spend: spendRow }),
  z.object({
    ok: z.literal(false),
    reason: z.enum(["not_found", "invalid_transition", "nonce_mismatch", "tx_hash_mismatch"]),
    status: spendStatus.optional(),
  }),
]);

export const principalResult = z.object({ principal: z.string(), per_request: atomic, daily: atomic, monthly: atomic });

const dayAndMonth = z.object({ today: atomic, month: atomic });

export const budgetStatus = z
  .object({
    principal: z.string(),
    limits: z.object({ per_request: atomic, daily: atomic, monthly: atomic }),
    spent: dayAndMonth,
    reserved: dayAndMonth,
    remaining: dayAndMonth,
    resets_at: z.object({ day: instant, month: instant }),
    saved: dayAndMonth.default({ today: 0n, month: 0n }),
    policy: z
      .object({ allowed_hosts: z.array(z.string()), blocked_hosts: z.array(z.string()) })
      .default({ allowed_hosts: [], blocked_hosts: [] }),
  })
  .nullable()
  .transform(
    (s): BudgetStatus | null =>
      s && {
        principal: s.principal,
        limits: { perRequest: s.limits.per_request, daily: s.limits.daily, monthly: s.limits.monthly },
        spent: s.spent,
        reserved: s.reserved,
        remaining: s.remaining,
        resetsAt: s.resets_at,
        saved: s.saved,
        policy: { allowedHosts: s.policy.allowed_hosts, blockedHosts: s.policy.blocked_hosts },
      },
  );

/** A denial's receipt as list_refusals returns it. */
const refusalRow = z
  .object({ ...listedFields, id: z.string().regex(/^d\d+$/), status: z.literal("refused"), outcome_code: z.string() })
  .transform(
    (r): RefusalRow => ({
      id: r.id,
      principal: r.principal,
      status: r.status,
      amount: r.amount,
      request: { method: r.method, url: r.url, host: r.host, requestHash: r.request_hash },
      quote: r.quote,
      txHash: null,
      outcomeCode: r.outcome_code,
      createdAt: r.created_at,
      cached: false,
      saved: 0n,
    }),
  );

export const listSpendResult = z
  .object({
    items: z.array(z.union([spendRow, refusalRow])),
    next_cursor: z.string().nullable(),
    totals: z.object({ spent: atomic, count: z.number().int(), saved: atomic.default(0n) }),
  })
  .transform((r): ListSpendResult => ({ items: r.items, nextCursor: r.next_cursor, totals: r.totals }));

export const spendRows = z.array(spendRow);

export const expiredCount = z.object({ expired: z.number().int() }).transform((r) => r.expired);

export const cacheHitResult = z
  .union([
    z.object({ ok: z.literal(true), replayed: z.boolean(), spend: spendRow }),
    z.object({ ok: z.literal(false), reason: z.enum(["unknown_principal", "idempotency_key_used"]) }),
  ])
  .transform((r): CacheHitResult => r);

export const writtenCount = z.object({ written: z.number().int().nonnegative() });
