import type { ResponseCache } from "../cache/responseCache.js";
import type { Config } from "../config/loadConfig.js";
import type { Ledger } from "../ledger/ledger.js";
import type { RateCounter } from "../server/rateLimitStore.js";

/**
 * Where the HTTP rate limits count, so that every instance holds a key to one limit: the Redis or Upstash cache
 * store when one is configured (one round trip, off the ledger), else the ledger when it is Postgres or Supabase,
 * else (the embedded ledger: one `pag0 http` per data dir) this process's memory. A cache store's hits are bounded by
 * PAG0_CACHE_TIMEOUT_MS, as its other operations are.
 */
export function openRateCounter(config: Config, cache: ResponseCache, ledger: Ledger): RateCounter {
  const prefix = `${config.cache.keyPrefix}ratelimit:`;
  if (cache.kind === "memory" && ledger.kind !== "pglite") {
    return {
      store: ledger.kind,
      hit: (key, windowMs) => ledger.rateLimitHit(key, windowMs),
      // a stalled ledger must not hold a free call for twice PAG0_LEDGER_TIMEOUT_MS: its own deadline comes next
      deadlineMs: Math.min(750, Math.ceil(config.ledger.timeoutMs / 5)),
    };
  }
  return { store: cache.kind, hit: (key, windowMs) => cache.count(prefix + key, windowMs) };
}
