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
  /** a hit slower than this lets the call through (none: the store's own timeout decides) */
  readonly deadlineMs?: number;
}

/**
 * express-rate-limit's Store over a `RateCounter`. A counter that fails or is late throws, and the limiter lets the
 * call through (`passOnStoreError`): a rate limit guards capacity, not money. One warning per outage, one line when
 * the store answers again.
 */
export function rateLimitStore(counter: RateCounter, log: Logger): Store {
  let windowMs = 60_000;
  let down = false;
  return {
    // the counts live outside this process, except in memory
    localKeys: counter.store === "memory",
    init(options) {
      windowMs = options.windowMs;
    },
    async increment(key) {
      try {
        const { count, resetAt } = await withinDeadline(counter.hit(key, windowMs), counter.deadlineMs);
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
      }
    },
    // never called: the limiter neither skips failed nor successful requests
    decrement() {},
    resetKey() {},
  };
}

async function withinDeadline<T>(work: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // an answer that came while this process was busy is read first: only the store's lateness counts
      setImmediate(() => reject(new Error(`no answer within ${ms} ms`)));
    }, ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
