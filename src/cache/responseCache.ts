/**
 * The cache port: strings under keys, each with its own time to live. Adapters (memory, Redis protocol, Upstash
 * REST) only store and fetch; a store that fails throws `CacheUnavailableError`, and the cache stage decides to go
 * on without it (fail open). The cache never holds money state: losing every entry costs savings, never money.
 */
export interface ResponseCache {
  readonly kind: "memory" | "redis" | "upstash";
  /** The value, or null when there is none or it expired. */
  get(key: string): Promise<string | null>;
  /** Stores `value` for `ttlSeconds` (a whole number ≥ 1), replacing any value under `key`. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * A short lease (SET NX PX): true when this caller now holds `key` for `ttlMs` under `token`, false when someone
   * else does. Instances sharing one store use it so that only one of them buys a response the others then read.
   */
  acquire(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease back, if `token` still holds it (a lease that expired and was taken by another stays theirs). */
  release(key: string, token: string): Promise<void>;
  /**
   * One hit for a fixed-window counter (the HTTP rate limit, shared by the instances on one store): the count in
   * the window, which starts at the key's first hit and lasts `windowMs`, and when that window ends.
   */
  count(key: string, windowMs: number): Promise<{ count: number; resetAt: Date }>;
  close(): Promise<void>;
}

/** Deletes KEYS[1] only while it still holds ARGV[1]: releasing a lease never frees someone else's. */
export const RELEASE_LEASE_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * INCR and PEXPIRE in one step (no counter is ever left without an expiry), with the time left: `{count, ttlMs}`.
 * A counter found without an expiry (written by something else) gets one.
 */
export const COUNT_HIT_SCRIPT = `local n = redis.call('incr', KEYS[1])
local ttl = redis.call('pttl', KEYS[1])
if n == 1 or ttl < 0 then redis.call('pexpire', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

/** What `count` answers from COUNT_HIT_SCRIPT's reply. */
export function countReply(reply: unknown): { count: number; resetAt: Date } {
  const [count, ttlMs] = Array.isArray(reply) ? reply.map(Number) : [];
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(ttlMs)) throw new Error("unexpected counter reply");
  return { count: count!, resetAt: new Date(Date.now() + ttlMs!) };
}

/** The cache store failed or timed out. The message is safe to log: no token, no cached value. */
export class CacheUnavailableError extends Error {
  override readonly name = "CacheUnavailableError";
  constructor(
    readonly cache: ResponseCache["kind"],
    readonly op: "get" | "set" | "delete" | "acquire" | "release" | "count",
    cause: unknown,
    secrets: readonly string[] = [],
  ) {
    super(`${cache} cache ${op} failed: ${safeReason(cause, secrets)}`, { cause });
  }
}

/** Wrap an adapter's operations so every failure becomes a `CacheUnavailableError` that hides `secrets`. */
export function guardCache(kind: ResponseCache["kind"], secrets: readonly string[]) {
  return async <T>(op: CacheUnavailableError["op"], run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      throw new CacheUnavailableError(kind, op, e, secrets);
    }
  };
}

function safeReason(cause: unknown, secrets: readonly string[]): string {
  const raw = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  // @upstash/redis appends the whole command (with the cached value) to its messages
  let reason = raw.split(", command was:")[0]?.split("\n")[0]?.slice(0, 200) ?? "";
  for (const secret of secrets) if (secret) reason = reason.replaceAll(secret, "[REDACTED]");
  return reason;
}
