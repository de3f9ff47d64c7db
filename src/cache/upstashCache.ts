import { Redis } from "@upstash/redis";
import { COUNT_HIT_SCRIPT, countReply, guardCache, RELEASE_LEASE_SCRIPT, type ResponseCache } from "./responseCache.js";

export interface UpstashCacheOptions {
  /** the REST URL, `https://…upstash.io` */
  url: string;
  token: string;
  /** each HTTP request is aborted after this long */
  timeoutMs: number;
}

/**
 * The Upstash REST adapter (@upstash/redis), for hosts without outbound TCP. No automatic retries: only
 * `retry: { retries: 0 }` really turns them off (`retry: false` still retries once).
 * @example const cache = upstashCache({ url: "https://eu1-x.upstash.io", token, timeoutMs: 250 });
 */
export function upstashCache(options: UpstashCacheOptions): ResponseCache {
  const redis = new Redis({
    url: options.url,
    token: options.token,
    retry: { retries: 0 },
    automaticDeserialization: false,
    enableTelemetry: false,
    signal: () => AbortSignal.timeout(options.timeoutMs),
  });
  const guard = guardCache("upstash", [options.token]);
  return {
    kind: "upstash",
    get: (key) => guard("get", async () => (await redis.get<string>(key)) ?? null),
    set: (key, value, ttlSeconds) => guard("set", async () => void (await redis.set(key, value, { ex: ttlSeconds }))),
    delete: (key) => guard("delete", async () => void (await redis.del(key))),
    acquire: (key, token, ttlMs) =>
      guard("acquire", async () => (await redis.set(key, token, { nx: true, px: ttlMs })) === "OK"),
    release: (key, token) =>
      guard("release", async () => void (await redis.eval(RELEASE_LEASE_SCRIPT, [key], [token]))),
    count: (key, windowMs) =>
      guard("count", async () => countReply(await redis.eval(COUNT_HIT_SCRIPT, [key], [String(windowMs)]))),
    async close() {},
  };
}
