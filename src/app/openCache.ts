import { memoryCache } from "../cache/memoryCache.js";
import type { ResponseCache } from "../cache/responseCache.js";
import type { Config } from "../config/loadConfig.js";
import { lazy, loadedValue } from "../lazy.js";
import type { Logger } from "../logger.js";

/**
 * The cache store named by config; the Redis and Upstash clients are loaded at the first cache operation (they
 * connect then too). Their connection problems are logged at debug (each call reports its own).
 */
export function openCache({ cache }: Config, log: Logger): ResponseCache {
  const { store, timeoutMs } = cache;
  if (store.kind === "memory") return memoryCache({ maxBytes: store.maxBytes });
  log.info({ cache: store.kind, host: new URL(store.url).host }, "paid-response cache store");
  const remote = lazy(async () => {
    if (store.kind === "upstash") {
      return (await import("../cache/upstashCache.js")).upstashCache({ url: store.url, token: store.token, timeoutMs });
    }
    const onConnectionError = (e: Error) => log.debug({ cache: "redis", reason: e.message }, "redis connection error");
    return (await import("../cache/redisCache.js")).redisCache({ url: store.url, timeoutMs, onConnectionError });
  });
  return {
    kind: store.kind,
    get: async (key) => (await remote()).get(key),
    set: async (key, value, ttlSeconds) => (await remote()).set(key, value, ttlSeconds),
    delete: async (key) => (await remote()).delete(key),
    acquire: async (key, token, ttlMs) => (await remote()).acquire(key, token, ttlMs),
    release: async (key, token) => (await remote()).release(key, token),
    count: async (key, windowMs) => (await remote()).count(key, windowMs),
    close: async () => (await loadedValue(remote))?.close(),
  };
}
