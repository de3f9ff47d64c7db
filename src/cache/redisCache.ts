import { Redis } from "ioredis";
import { COUNT_HIT_SCRIPT, countReply, guardCache, RELEASE_LEASE_SCRIPT, type ResponseCache } from "./responseCache.js";

export interface RedisCacheOptions {
  /** `redis://` or `rediss://` (TLS; also Upstash over TCP, with the token as password) */
  url: string;
  /** every command fails after this long, so a hung or absent Redis costs a call at most this much */
  timeoutMs: number;
  /** connection errors; ioredis keeps reconnecting in the background */
  onConnectionError?: (error: Error) => void;
}

/**
 * The Redis protocol adapter (ioredis). Commands wait for a connection at most `timeoutMs`, are tried once, and
 * ioredis reconnects in the background with a capped backoff, so the cache comes back when Redis does.
 * @example const cache = redisCache({ url: "rediss://default:TOKEN@eu1-x.upstash.io:6379", timeoutMs: 250 });
 */
export function redisCache(options: RedisCacheOptions): ResponseCache {
  const redis = new Redis(options.url, {
    commandTimeout: options.timeoutMs,
    connectTimeout: Math.max(1_000, options.timeoutMs * 4),
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
    // connect on first use: CLI commands that never touch the cache open no socket that keeps them alive
    lazyConnect: true,
  });
  // without a listener ioredis prints every failed reconnect to the console
  redis.on("error", (e: Error) => options.onConnectionError?.(e));
  const password = URL.canParse(options.url) ? decodeURIComponent(new URL(options.url).password) : "";
  const guard = guardCache("redis", [password]);
  return {
    kind: "redis",
    get: (key) => guard("get", () => redis.get(key)),
    set: (key, value, ttlSeconds) => guard("set", async () => void (await redis.set(key, value, "EX", ttlSeconds))),
    delete: (key) => guard("delete", async () => void (await redis.del(key))),
    acquire: (key, token, ttlMs) =>
      guard("acquire", async () => (await redis.set(key, token, "PX", ttlMs, "NX")) === "OK"),
    release: (key, token) => guard("release", async () => void (await redis.eval(RELEASE_LEASE_SCRIPT, 1, key, token))),
    count: (key, windowMs) =>
      guard("count", async () => countReply(await redis.eval(COUNT_HIT_SCRIPT, 1, key, windowMs))),
    async close() {
      if (redis.status === "ready") await redis.quit().catch(() => undefined);
      redis.disconnect();
    },
  };
}
