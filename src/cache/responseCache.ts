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
  close(): Promise<void>;
}

/** The cache store failed or timed out. The message is safe to log: no token, no cached value. */
export class CacheUnavailableError extends Error {
  override readonly name = "CacheUnavailableError";
  constructor(
    readonly cache: ResponseCache["kind"],
    readonly op: "get" | "set" | "delete",
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
