import type { z } from "zod";
import { LedgerUnavailableError, Pag0Error } from "../errors.js";
import type { Ledger, ReserveInput, SpendRow } from "./ledger.js";
import { SpendStateError } from "./spendStateError.js";
import { sqlAccessStore } from "./sqlAccessStore.js";
import { sqlAuditStore } from "./sqlAuditStore.js";
import type { LedgerFunction, SqlArgs, SqlClient } from "./sqlClient.js";
import { sqlInstanceStore } from "./sqlInstanceStore.js";
import {
  budgetStatus,
  cacheHitResult,
  expiredCount,
  listSpendResult,
  principalResult,
  reserveResult,
  spendRow,
  spendRows,
  transitionResult,
  writtenCount,
} from "./sqlRows.js";

const SPEND_ID = /^\d{1,18}$/;
const CURSOR = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\|\d+$/;

/**
 * The ledger over any `SqlClient`: the one typed wrapper of the SQL functions in supabase/migrations.
 * Every driver failure, and any answer that does not parse, becomes `LedgerUnavailableError` (fail closed);
 * a refused status change becomes `SpendStateError`; business denials of `reserve` are values.
 * @example const ledger = sqlLedger(await openPglite({ dataDir }));
 */
export function sqlLedger(db: SqlClient): Ledger {
  async function call<S extends z.ZodType>(fn: LedgerFunction, args: SqlArgs, schema: S): Promise<z.output<S>> {
    let raw: unknown;
    try {
      raw = await db.call(fn, args);
    } catch (e) {
      throw new LedgerUnavailableError(e);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new LedgerUnavailableError(new Error(`${fn} answered an unexpected shape`, { cause: parsed.error }));
    }
    return parsed.data;
  }

  async function transition(action: string, fn: LedgerFunction, id: string, args: SqlArgs): Promise<SpendRow> {
    if (!SPEND_ID.test(id)) throw new SpendStateError(id, action, "not_found", null);
    const r = await call(fn, { p_id: id, ...args }, transitionResult);
    if (!r.ok) throw new SpendStateError(id, action, r.reason, r.status ?? null);
    return r.spend;
  }

  return {
    kind: db.kind,
    ...sqlAccessStore(call),
    ...sqlAuditStore(call),
    ...sqlInstanceStore(call),

    async upsertPrincipal(principal, limits) {
      if (limits.perRequest < 0n || limits.daily < 0n || limits.monthly < 0n) {
        throw new RangeError("budget limits must not be negative");
      }
      await call(
        "upsert_principal",
        { p_principal: principal, p_per_request: limits.perRequest, p_daily: limits.daily, p_monthly: limits.monthly },
        principalResult,
      );
    },

    async reserve(input) {
      if (input.amount <= 0n) throw new RangeError(`reserve amount must be positive, got ${input.amount}`);
      if (!Number.isSafeInteger(input.ttlSeconds) || input.ttlSeconds <= 0) {
        throw new RangeError(`reservation TTL must be a positive whole number of seconds, got ${input.ttlSeconds}`);
      }
      if (input.idempotencyKey === "") throw new RangeError("idempotency key must not be empty");
      return call(
        "reserve_spend",
        {
          ...callParams(input),
          p_amount: input.amount,
          p_ttl_seconds: input.ttlSeconds,
          p_now: input.now,
        },
        reserveResult,
      );
    },

    markSigned: (id, authorization, signer) =>
      transition("marked signed", "mark_signed", id, {
        p_authorization: { ...authorization, validBefore: authorization.validBefore.toString() },
        p_instance: signer?.instance,
        p_lease_seconds: signer?.leaseSeconds,
      }),

    settle: (id, settlement) =>
      transition("settled", "settle_spend", id, {
        p_tx_hash: settlement.txHash,
        p_response: settlement.response ?? null,
        p_body_hash: settlement.bodyHash,
      }),

    release: (id, outcomeCode, context) =>
      transition("released", "release_spend", id, { p_outcome_code: outcomeCode, p_body_hash: context?.bodyHash }),

    markUnknown: (id, outcomeCode) => transition("marked unknown", "mark_unknown", id, { p_outcome_code: outcomeCode }),

    async getSpend(id) {
      if (!SPEND_ID.test(id)) return null;
      return call("get_spend", { p_id: id }, spendRow.nullable());
    },

    async listSpend(query) {
      if (query.cursor !== undefined && !CURSOR.test(query.cursor)) {
        throw new Pag0Error("INVALID_INPUT", "The cursor is not one list_spend returned; start again without it.");
      }
      const limit = Number.isFinite(query.limit) ? Math.min(100, Math.max(1, Math.trunc(query.limit))) : 50;
      return call(
        "list_spend",
        {
          p_principal: query.principal,
          p_since: query.since,
          p_until: query.until,
          p_host: query.host,
          p_status: query.status,
          p_limit: limit,
          p_cursor: query.cursor,
        },
        listSpendResult,
      );
    },

    budgetStatus: (principal, now) => call("budget_status", { p_principal: principal, p_now: now }, budgetStatus),

    pendingOutcomes: (signedBefore) => call("pending_outcomes", { p_signed_before: signedBefore }, spendRows),

    expireReservations: (now) => call("expire_reservations", { p_now: now }, expiredCount),

    async recordCacheHit(input) {
      if (input.saved < 0n) throw new RangeError(`a saving cannot be negative, got ${input.saved}`);
      if (input.idempotencyKey === "") throw new RangeError("idempotency key must not be empty");
      return call(
        "record_cache_hit",
        {
          ...callParams(input),
          p_saved: input.saved,
          p_cached_from: input.cachedFrom !== null && SPEND_ID.test(input.cachedFrom) ? input.cachedFrom : null,
          p_now: input.now,
        },
        cacheHitResult,
      );
    },

    async recordCacheHits(inputs) {
      if (inputs.length === 0) return 0;
      for (const input of inputs) {
        if (input.saved < 0n) throw new RangeError(`a saving cannot be negative, got ${input.saved}`);
        if (input.idempotencyKey === "") throw new RangeError("idempotency key must not be empty");
      }
      const hits = inputs.map((input) => ({
        principal: input.principal,
        idempotency_key: input.idempotencyKey,
        request_hash: input.request.requestHash,
        method: input.request.method,
        url: input.request.url,
        host: input.request.host,
        quote: input.quote,
        saved: input.saved.toString(),
        cached_from: input.cachedFrom !== null && SPEND_ID.test(input.cachedFrom) ? input.cachedFrom : null,
        now: (input.now ?? new Date()).toISOString(),
      }));
      return (await call("record_cache_hits", { p_hits: hits }, writtenCount)).written;
    },

    close: () => db.close(),
  };
}

/** The parameters every row of a call carries: who, under which key, for which request and quote. */
const callParams = (input: Pick<ReserveInput, "principal" | "idempotencyKey" | "request" | "quote">) => ({
  p_principal: input.principal,
  p_idempotency_key: input.idempotencyKey,
  p_request_hash: input.request.requestHash,
  p_method: input.request.method,
  p_url: input.request.url,
  p_host: input.request.host,
  p_quote: input.quote,
});
