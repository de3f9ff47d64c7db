import { lazy, loadedValue } from "../lazy.js";
import type { ResponseCache } from "./responseCache.js";

/**
 * The default cache: in this process, bounded by bytes (keys and values as UTF-8), least recently used first out.
 * @example const cache = memoryCache({ maxBytes: 64 * 1024 * 1024 });
 */
export function memoryCache(options: { maxBytes: number }): ResponseCache {
  // lru-cache loads with the first cache operation, not at startup (`pag0 stdio` answers initialize without it)
  const entries = lazy(async () => {
    const { LRUCache } = await import("lru-cache");
    return new LRUCache<string, string>({
      maxSize: options.maxBytes,
      sizeCalculation: (value, key) => Buffer.byteLength(value) + Buffer.byteLength(key),
    });
  });
  // leases live beside the entries, not in the LRU: evicting one would let a second caller buy the same response
  const leases = new Map<string, { token: string; until: number }>();
  const counters = new Map<string, { count: number; until: number }>();
  return {
    kind: "memory",
    get: async (key) => (await entries()).get(key) ?? null,
    async set(key, value, ttlSeconds) {
      (await entries()).set(key, value, { ttl: ttlSeconds * 1000 });
    },
    async delete(key) {
      (await entries()).delete(key);
    },
    async acquire(key, token, ttlMs) {
      const held = leases.get(key);
      if (held && held.until > Date.now()) return false;
      leases.set(key, { token, until: Date.now() + ttlMs });
      return true;
    },
    async release(key, token) {
      if (leases.get(key)?.token === token) leases.delete(key);
    },
    async count(key, windowMs) {
      const now = Date.now();
      if (counters.size > 10_000) for (const [k, c] of counters) if (c.until <= now) counters.delete(k);
      const held = counters.get(key);
      const counter = held && held.until > now ? held : { count: 0, until: now + windowMs };
      counter.count++;
      counters.set(key, counter);
      return { count: counter.count, resetAt: new Date(counter.until) };
    },
    async close() {
      (await loadedValue(entries))?.clear();
      leases.clear();
      counters.clear();
    },
  };
}
