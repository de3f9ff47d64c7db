import type { AccessStore } from "./accessStore.js";
import type { AuditStore } from "./auditStore.js";
import type { InstanceStore, Signer } from "./instanceStore.js";

/**
 * The ledger port: the only source of truth for money. Every adapter (PGlite, postgres.js, supabase-js) calls the
 * same SQL functions in supabase/migrations; `sqlLedger()` turns their jsonb answers into these types.
 * Amounts are atomic USDC units (6 decimals) as bigint.
 */

export type SpendStatus =
  /** budget held, nothing signed yet; expires after the reservation TTL */
  | "reserved"
  /** an EIP-3009 authorization was signed and may be in flight; only settle/release/unknown move it on */
  | "signed"
  | "settled"
  /** nothing was (or can any longer be) paid; the budget is given back */
  | "released"
  /** signed, outcome unknown: held until the reconciler decides from chain state */
  | "unknown"
  /** an unsigned reservation that was never used before its TTL */
  | "expired";

export interface BudgetLimits {
  perRequest: bigint;
  daily: bigint;
  monthly: bigint;
}

export interface SpendRequest {
  method: string;
  /** the URL the tool fetched, with query secrets redacted */
  url: string;
  host: string;
  /** sha256 hex of method + url + body: binds an idempotency key to one logical request */
  requestHash: string;
}

export interface SpendQuote {
  scheme: string;
  network: string;
  asset: string;
  payTo: string;
  x402Version: number;
  maxTimeoutSeconds: number;
}

export interface ReserveInput {
  principal: string;
  amount: bigint;
  idempotencyKey: string;
  request: SpendRequest;
  quote: SpendQuote;
  /** how long an unsigned reservation holds the budget */
  ttlSeconds: number;
  /** injectable clock for window tests; defaults to the database's now() */
  now?: Date;
}

export type ReserveDenial =
  | { ok: false; reason: "per_request_limit"; limit: bigint }
  | {
      ok: false;
      /** wallet_*: the wallet-wide limit that every principal's reservation must also fit */
      reason: "daily_limit" | "monthly_limit" | "wallet_daily_limit" | "wallet_monthly_limit";
      limit: bigint;
      spent: bigint;
      reserved: bigint;
    }
  | { ok: false; reason: "unknown_principal" }
  /** the idempotency key was used before for a different request */
  | { ok: false; reason: "idempotency_conflict" };

export type ReserveResult =
  | { ok: true; replayed: false; spend: SpendRow }
  /**
   * the key was seen before for the same request: `spend` is the existing row, untouched. Expired rows, and
   * released rows none of whose signatures can still move money (never signed, or past `validBefore`), are not
   * replayed but reserved again (`replayed: false`, same id). A replayed `reserved`/`signed` row belongs to a
   * call still in flight: do not sign for it.
   */
  | { ok: true; replayed: true; spend: SpendRow }
  | ReserveDenial;

export interface Authorization {
  payer: string;
  nonce: string;
  /** unix seconds */
  validBefore: bigint;
  /**
   * the signed payment as it was sent (PAYMENT-SIGNATURE or X-PAYMENT), kept so a retry whose outcome is unknown
   * sends the same bytes again instead of a new signature; never shown to the agent
   */
  paymentHeaders?: Record<string, string>;
}

export interface SpendRow {
  id: string;
  principal: string;
  status: SpendStatus;
  idempotencyKey: string;
  amount: bigint;
  request: SpendRequest;
  quote: SpendQuote;
  authorization: Authorization | null;
  txHash: string | null;
  /**
   * why a row was released / marked unknown (error code). Kept when the row later settles, so a settled row
   * with an outcome code was settled late (after being released or marked unknown).
   */
  outcomeCode: string | null;
  /** snapshot of the paid response, kept so an idempotent replay returns what was bought */
  response: unknown | null;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  /** a cache hit: nothing was paid (`amount` 0) and `saved` is the price paid for the response originally */
  cached: boolean;
  saved: bigint;
  /** for a cache hit, the receipt of the payment that bought the response (if this ledger has it) */
  cachedFrom: string | null;
}

/** A refused call's receipt as list_spend lists it: nothing was reserved or paid. `id` is `d<entry>`. */
export interface RefusalRow extends Pick<SpendRow, "id" | "principal" | "request" | "quote" | "createdAt" | "saved"> {
  status: "refused";
  /** the quoted price that was refused */
  amount: bigint;
  txHash: null;
  /** the error code the call got */
  outcomeCode: string;
  cached: false;
}

/** What list_spend lists: ledger rows, or with status `refused` the receipts of refused calls. */
export type ListedSpend = SpendRow | RefusalRow;

export interface ListSpendQuery {
  /** null = every principal (operator) */
  principal: string | null;
  since?: Date;
  until?: Date;
  host?: string;
  /** `refused`: only refusals; otherwise (and by default) ledger rows only */
  status?: SpendStatus | "refused";
  limit: number;
  cursor?: string;
}

export interface ListSpendResult {
  items: ListedSpend[];
  nextCursor: string | null;
  /** over the whole filter, not just this page; `spent` counts settled rows only */
  totals: { spent: bigint; count: number; saved: bigint };
}

export interface BudgetStatus {
  principal: string;
  limits: BudgetLimits;
  spent: { today: bigint; month: bigint };
  /** held by reserved/signed/unknown rows of the current day and month (lapsed reservations not counted) */
  reserved: { today: bigint; month: bigint };
  /** never negative; `today` is also capped by what is left of the month (what could still be reserved today) */
  remaining: { today: bigint; month: bigint };
  /** start of the next UTC day and month */
  resetsAt: { day: Date; month: Date };
  /** what cache hits saved in the current day and month */
  saved: { today: bigint; month: bigint };
  /** the principal's own host lists (`pag0 policy set`), on top of the server-wide ones; empty when unset */
  policy: { allowedHosts: string[]; blockedHosts: string[] };
}

export interface CacheHitInput {
  principal: string;
  /** the call's idempotency key: one logical request records at most one saving */
  idempotencyKey: string;
  request: SpendRequest;
  /** the quote that was paid for the cached response */
  quote: SpendQuote;
  saved: bigint;
  cachedFrom: string | null;
  now?: Date;
}

export type CacheHitResult =
  | { ok: true; replayed: boolean; spend: SpendRow }
  | { ok: false; reason: "unknown_principal" }
  /** the key already belongs to a payment: the call is a retry, which the payment stage replays instead */
  | { ok: false; reason: "idempotency_key_used" };

/**
 * What only the calling process knows for the audit receipt that `settle` and `release` write in their own
 * transaction: the sha256 hex of the request body (absent when the reconciler decides a payment later).
 */
export interface ReceiptContext {
  bodyHash?: string;
}

/**
 * Status changes (`markSigned`, `settle`, `release`, `markUnknown`) are replay-safe: repeating one returns the row.
 * A change the row's status forbids throws `SpendStateError` and changes nothing; an unreachable ledger throws
 * `LedgerUnavailableError` (callers must then not pay).
 */
export interface Ledger extends AccessStore, AuditStore, InstanceStore {
  readonly kind: "pglite" | "postgres" | "supabase";
  /** Create or update a principal's limits (config / operators only; no tool calls this). */
  upsertPrincipal(principal: string, limits: BudgetLimits): Promise<void>;
  /** Atomically hold `amount` against every window; idempotency key checked under the row lock. */
  reserve(input: ReserveInput): Promise<ReserveResult>;
  /**
   * Record the authorization before it leaves the process: from now on only chain state may free the budget. The
   * signer's lease is renewed with it; the reconciler leaves the row to its signer while that lease is fresh.
   */
  markSigned(id: string, authorization: Authorization, signer?: Signer): Promise<SpendRow>;
  /**
   * reserved | signed | unknown → settled, counting the amount as spent in the row's own windows. A released row
   * that was signed may settle late (chain state wins, even above the limit); expired rows never were signed.
   */
  settle(id: string, settlement: { txHash: string | null; response?: unknown } & ReceiptContext): Promise<SpendRow>;
  /** reserved | signed | unknown → released: nothing was or can any longer be paid; the hold is given back. */
  release(id: string, outcomeCode: string, context?: ReceiptContext): Promise<SpendRow>;
  /** reserved | signed → unknown: the amount stays held until the reconciler decides. */
  markUnknown(id: string, outcomeCode: string): Promise<SpendRow>;
  getSpend(id: string): Promise<SpendRow | null>;
  listSpend(query: ListSpendQuery): Promise<ListSpendResult>;
  budgetStatus(principal: string, now?: Date): Promise<BudgetStatus | null>;
  /**
   * Rows the reconciler must decide: unknown rows, and signed rows whose signer's lease has lapsed or is gone, or
   * (signed without a signer) that are older than `signedBefore`.
   */
  pendingOutcomes(signedBefore: Date): Promise<SpendRow[]>;
  /** Expire unsigned reservations past their TTL; returns how many. */
  expireReservations(now?: Date): Promise<number>;
  /** A settled zero-cost row for a cache hit, carrying the price it saved; moves no money. Replay-safe per key. */
  recordCacheHit(input: CacheHitInput): Promise<CacheHitResult>;
  /**
   * Many cache hits in one round trip, each recorded as `recordCacheHit` would (hits whose key is used already, or
   * whose principal is unknown, are skipped). Returns how many new rows were written.
   */
  recordCacheHits(inputs: CacheHitInput[]): Promise<number>;
  close(): Promise<void>;
}
