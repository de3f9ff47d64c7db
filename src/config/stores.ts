import { resolve } from "node:path";
import type { CachePolicy } from "../cache/cachePolicy.js";
import { isLoopbackHost } from "./loopback.js";
import type { Settings } from "./schema.js";

/** The paid-response cache: where entries live, and the rules for what is cached and for how long. */
export interface CacheConfig extends CachePolicy {
  /** PAG0_CACHE=false turns the cache stage off entirely */
  enabled: boolean;
  store:
    | { kind: "memory"; maxBytes: number }
    | { kind: "redis"; url: string }
    | { kind: "upstash"; url: string; token: string };
  keyPrefix: string;
  /** a cache operation slower than this is a failure, and the call goes on without the cache */
  timeoutMs: number;
}

/** Where the money lives (DESIGN.md §5); `timeoutMs` bounds how long a call waits to reach it before failing closed. */
export type LedgerConfig = { timeoutMs: number } & (
  | { kind: "pglite"; dataDir: string }
  | { kind: "postgres"; url: string }
  | { kind: "supabase"; url: string; serviceRoleKey: string }
);

/** The cache store named by REDIS_URL (+ REDIS_TOKEN) or UPSTASH_REDIS_REST_URL/_TOKEN; memory otherwise. */
export function resolveCacheStore(c: Settings, problems: string[]): CacheConfig["store"] {
  const memory = { kind: "memory" as const, maxBytes: c.cacheMaxBytes };
  const [urlName, tokenName, url, token] = c.redisUrl
    ? ["REDIS_URL", "REDIS_TOKEN", c.redisUrl, c.redisToken]
    : ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", c.upstashRestUrl, c.upstashRestToken];
  if (!url) return memory;
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (c.redisUrl && (parsed?.protocol === "redis:" || parsed?.protocol === "rediss:")) return { kind: "redis", url };
  // plain http only to this machine (a local REST bridge): the token must not cross a network in clear
  const local = parsed?.protocol === "http:" && isLoopbackHost(parsed.hostname);
  if (parsed?.protocol !== "https:" && !local) {
    problems.push(
      c.redisUrl
        ? "REDIS_URL: must be redis://, rediss:// (Redis protocol) or https:// with REDIS_TOKEN (Upstash REST)"
        : "UPSTASH_REDIS_REST_URL: must be an https:// URL",
    );
    return memory;
  }
  if (!token) {
    problems.push(`${tokenName}: required with an https:// ${urlName} (Upstash REST)`);
    return memory;
  }
  return { kind: "upstash", url, token };
}

/**
 * The ledger: DATABASE_URL (Postgres or a Supabase connection string; preferred, since only a database session can
 * hold the job locks), else SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY (REST RPC), else PGlite in the data dir.
 * Problems never quote a URL or key (they hold secrets).
 */
export function resolveLedger(c: Settings, problems: string[]): LedgerConfig {
  const timeoutMs = c.ledgerTimeoutMs;
  if (c.databaseUrl) {
    const url = URL.canParse(c.databaseUrl) ? new URL(c.databaseUrl) : null;
    if (url?.protocol !== "postgres:" && url?.protocol !== "postgresql:") {
      problems.push("DATABASE_URL: must be a postgres:// or postgresql:// connection string");
    }
    return { kind: "postgres", url: c.databaseUrl, timeoutMs };
  }
  if (c.supabaseUrl || c.supabaseServiceRoleKey) {
    const url = c.supabaseUrl && URL.canParse(c.supabaseUrl) ? new URL(c.supabaseUrl) : null;
    const local = url?.protocol === "http:" && isLoopbackHost(url.hostname);
    if (url?.protocol !== "https:" && !local) problems.push("SUPABASE_URL: must be the project's https:// URL");
    if (!c.supabaseServiceRoleKey) problems.push("SUPABASE_SERVICE_ROLE_KEY: required with SUPABASE_URL");
    return { kind: "supabase", url: c.supabaseUrl ?? "", serviceRoleKey: c.supabaseServiceRoleKey ?? "", timeoutMs };
  }
  return { kind: "pglite", dataDir: resolve(c.dataDir), timeoutMs };
}
