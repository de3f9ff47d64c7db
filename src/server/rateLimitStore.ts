import type { Store } from "express-rate-limit";
import type { Logger } from "../logger.js";

/**
 * Where `pag0 http` counts a key's tool calls: Redis or Upstash (the cache store), Postgres or Supabase (the
 * ledger), shared by every instance on it; or this process's memory (the embedded ledger, one process).
 */
export interface RateCounter {
  readonly store: "redis" | "upstash" | "postgres" | "supabase" | "memory";
  /** One hit: the key's count in its fixed window (it starts at the first hit and lasts `windowMs`), and its end. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetAt: Date }>;
}

/** A hit slower than this lets the call through: a slow store must not slow every tool call. */
export const RATE_LIMIT_DEADLINE_MS = 500;

/**
 * express-rate-limit's Store over a `RateCounter`. A counter that fails or is late throws, and the limiter lets the
 * call through (`passOnStoreError`): a rate limit guards capacity, not money. One warning per outage, one line when
 * the store answers again.
 */
export function rateLimitStore(counter: RateCounter, log: Logger, deadlineMs = RATE_LIMIT_DEADLINE_MS): Store {
  let windowMs = 60_000;
  let down = false;
  return {
    // the counts live outside this process, except in memory
    localKeys: counter.store === "memory",
    init(options) {
      windowMs = options.windowMs;
    },
    async increment(key) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs);
      });
      try {
        const { count, resetAt } = await Promise.race([counter.hit(key, windowMs), late]);
        if (down) log.info({ store: counter.store }, "rate limits are enforced again: their store answers");
        down = false;
        return { totalHits: count, resetTime: resetAt };
      } catch (err) {
        if (!down) {
          log.warn(
            { store: counter.store, reason: err instanceof Error ? err.message : String(err) },
            "rate limits are not enforced: their store failed; tool calls go through until it answers",
          );
        }
        down = true;
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
    // never called: the limiter neither skips failed nor successful requests
    decrement() {},
    resetKey() {},
  };
}
