import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import * as z from "zod";
import { AUDIT_ENV_NAMES, type AuditConfig, auditSettings, resolveAuditConfig } from "./audit/auditConfig.js";
import type { CachePolicy } from "./cache/cachePolicy.js";
import { isDecimalAmount, toAtomic } from "./money.js";

/** A network Pag0 can pay on. USDC is the only payment asset; `name`/`version` are its EIP-712 domain. */
export interface NetworkConfig {
  /** CAIP-2, e.g. "eip155:84532" */
  id: string;
  chainId: number;
  /** x402 v1 name, for servers that still speak v1 */
  v1Name?: string;
  rpcUrl: string;
  usdc: { address: `0x${string}`; name: string; version: string; decimals: number };
}

const BUILTIN_NETWORKS: Record<string, Omit<NetworkConfig, "id" | "chainId">> = {
  "eip155:8453": {
    v1Name: "base",
    rpcUrl: "https://mainnet.base.org",
    usdc: { address: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", name: "USD Coin", version: "2", decimals: 6 },
  },
  "eip155:84532": {
    v1Name: "base-sepolia",
    rpcUrl: "https://sepolia.base.org",
    usdc: { address: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", name: "USDC", version: "2", decimals: 6 },
  },
  "eip155:1187947933": {
    rpcUrl: "https://skale-base.skalenodes.com/v1/base",
    usdc: { address: "0x85889c8c714505E0c94b30fcfcF64fE3Ac8FCb20", name: "USDC", version: "2", decimals: 6 },
  },
  "eip155:324705682": {
    v1Name: "skale-base-sepolia",
    rpcUrl: "https://base-sepolia-testnet.skalenodes.com/v1/jubilant-horrible-ancha",
    usdc: {
      address: "0x2e08028E3C4c2356572E096d8EF835cD5C6030bD",
      name: "Bridged USDC (SKALE Bridge)",
      version: "1",
      decimals: 6,
    },
  },
};

const decimal = z.string().trim().refine(isDecimalAmount, "must be a decimal USDC amount like 0.10");
const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean));
const bool = z.union([z.boolean(), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1")]);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");
const caip2 = z.string().regex(/^eip155:\d+$/, "must be a CAIP-2 EVM network id like eip155:84532");
const cacheRule = z.object({
  host: z.string().min(1),
  ttlSeconds: z.number().int().nonnegative().optional(),
  methods: z.array(z.enum(["POST", "PUT", "PATCH", "DELETE"])).optional(),
});

const networkOverride = z.object({
  id: caip2,
  v1Name: z.string().optional(),
  rpcUrl: z.url().optional(),
  usdc: z
    .object({
      address: address.optional(),
      name: z.string().optional(),
      version: z.string().optional(),
      decimals: z.literal(6, "USDC must have 6 decimals").optional(),
    })
    .optional(),
});

/** Every setting, by its name in the config file; `ENV_NAMES` maps environment variables onto it. */
const schema = z.object({
  dataDir: z.string().default(join(homedir(), ".pag0")),
  databaseUrl: z.string().trim().optional(),
  supabaseUrl: z.string().trim().optional(),
  supabaseServiceRoleKey: z.string().trim().optional(),
  ledgerTimeoutMs: z.coerce.number().int().positive().default(30_000),
  walletPrivateKey: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key")
    .optional(),
  maxPerRequest: decimal.default("0.10"),
  dailyBudget: decimal.default("1.00"),
  monthlyBudget: decimal.default("10.00"),
  allowedHosts: list.default([]),
  blockedHosts: list.default([]),
  allowedPayees: list.pipe(z.array(address)).default([]),
  blockedPayees: list.pipe(z.array(address)).default([]),
  approvalThreshold: decimal.optional(),
  maxTimeoutSeconds: z.coerce.number().int().positive().max(3600).default(300),
  networks: list.pipe(z.array(caip2)).default(["eip155:324705682", "eip155:84532"]),
  networkOverrides: z.array(networkOverride).default([]),
  allowPrivateHosts: bool.default(false),
  upstreamTimeoutMs: z.coerce.number().int().positive().default(30_000),
  maxResponseBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(512 * 1024),
  reservationTtlSeconds: z.coerce.number().int().positive().default(120),
  reconcileIntervalMs: z.coerce.number().int().positive().default(30_000),
  /** how long past validBefore the reconciler waits before it calls an unused authorization expired */
  expirySkewSeconds: z.coerce.number().int().nonnegative().default(60),
  redisUrl: z.string().trim().optional(),
  redisToken: z.string().trim().optional(),
  upstashRestUrl: z.string().trim().optional(),
  upstashRestToken: z.string().trim().optional(),
  cacheEnabled: bool.default(true),
  cacheDefaultTtlSeconds: z.coerce.number().int().nonnegative().default(60),
  cacheMaxTtlSeconds: z.coerce.number().int().positive().default(86_400),
  cacheMaxEntryBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(512 * 1024),
  cacheMaxBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  cacheSharedPublic: bool.default(false),
  cacheKeyPrefix: z.string().min(1).default("pag0:cache:"),
  cacheTimeoutMs: z.coerce.number().int().positive().default(250),
  cacheRules: z.array(cacheRule).default([]),
  host: z.string().default("127.0.0.1"),
  port: z.coerce.number().int().min(0).max(65535).default(8402),
  /** names clients reach the HTTP server by (Host header check against DNS rebinding); loopback names always pass */
  publicHostnames: list.default([]),
  allowedOrigins: list.default([]),
  httpSessions: bool.default(true),
  /** `keys` (default): every request needs an API key; `none`: loopback only, as the local principal, no operator */
  httpAuth: z.enum(["keys", "none"]).default("keys"),
  maxRequestBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  rateLimitPerMinute: z.coerce.number().int().positive().default(120),
  apiKeySalt: z.string().min(16, "must be at least 16 characters").optional(),
  walletDailyBudget: decimal.optional(),
  walletMonthlyBudget: decimal.optional(),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  ...auditSettings,
});

const ENV_NAMES: Record<string, keyof z.input<typeof schema>> = {
  PAG0_DATA_DIR: "dataDir",
  DATABASE_URL: "databaseUrl",
  SUPABASE_URL: "supabaseUrl",
  SUPABASE_SERVICE_ROLE_KEY: "supabaseServiceRoleKey",
  PAG0_LEDGER_TIMEOUT_MS: "ledgerTimeoutMs",
  WALLET_PRIVATE_KEY: "walletPrivateKey",
  PAG0_MAX_PER_REQUEST: "maxPerRequest",
  PAG0_DAILY_BUDGET: "dailyBudget",
  PAG0_MONTHLY_BUDGET: "monthlyBudget",
  PAG0_ALLOWED_HOSTS: "allowedHosts",
  PAG0_BLOCKED_HOSTS: "blockedHosts",
  PAG0_ALLOWED_PAYEES: "allowedPayees",
  PAG0_BLOCKED_PAYEES: "blockedPayees",
  PAG0_APPROVAL_THRESHOLD: "approvalThreshold",
  PAG0_MAX_TIMEOUT_SECONDS: "maxTimeoutSeconds",
  X402_NETWORKS: "networks",
  PAG0_ALLOW_PRIVATE_HOSTS: "allowPrivateHosts",
  PAG0_UPSTREAM_TIMEOUT_MS: "upstreamTimeoutMs",
  PAG0_MAX_RESPONSE_BYTES: "maxResponseBytes",
  PAG0_RESERVATION_TTL_SECONDS: "reservationTtlSeconds",
  PAG0_RECONCILE_INTERVAL_MS: "reconcileIntervalMs",
  REDIS_URL: "redisUrl",
  REDIS_TOKEN: "redisToken",
  UPSTASH_REDIS_REST_URL: "upstashRestUrl",
  UPSTASH_REDIS_REST_TOKEN: "upstashRestToken",
  PAG0_CACHE: "cacheEnabled",
  PAG0_CACHE_DEFAULT_TTL_SECONDS: "cacheDefaultTtlSeconds",
  PAG0_CACHE_MAX_TTL_SECONDS: "cacheMaxTtlSeconds",
  PAG0_CACHE_MAX_ENTRY_BYTES: "cacheMaxEntryBytes",
  PAG0_CACHE_MAX_BYTES: "cacheMaxBytes",
  PAG0_CACHE_SHARED_PUBLIC: "cacheSharedPublic",
  PAG0_CACHE_PREFIX: "cacheKeyPrefix",
  PAG0_CACHE_TIMEOUT_MS: "cacheTimeoutMs",
  HOST: "host",
  PAG0_PUBLIC_HOSTNAMES: "publicHostnames",
  PAG0_ALLOWED_ORIGINS: "allowedOrigins",
  PAG0_HTTP_SESSIONS: "httpSessions",
  PAG0_HTTP_AUTH: "httpAuth",
  PAG0_MAX_REQUEST_BYTES: "maxRequestBytes",
  PAG0_RATE_LIMIT_PER_MINUTE: "rateLimitPerMinute",
  API_KEY_SALT: "apiKeySalt",
  PAG0_WALLET_DAILY_BUDGET: "walletDailyBudget",
  PAG0_WALLET_MONTHLY_BUDGET: "walletMonthlyBudget",
  PORT: "port",
  LOG_LEVEL: "logLevel",
  ...AUDIT_ENV_NAMES,
};

export interface Config {
  dataDir: string;
  ledger: LedgerConfig;
  walletPrivateKey: `0x${string}` | undefined;
  policy: {
    limits: { perRequest: bigint; daily: bigint; monthly: bigint };
    /** one wallet pays for every principal: this holds across all of them (defaults to the default budgets) */
    walletLimits: { daily: bigint; monthly: bigint };
    allowedHosts: string[];
    blockedHosts: string[];
    allowedPayees: string[];
    blockedPayees: string[];
    approvalThreshold: bigint | undefined;
    maxTimeoutSeconds: number;
  };
  /** enabled networks only, by CAIP-2 id */
  networks: Map<string, NetworkConfig>;
  allowPrivateHosts: boolean;
  upstream: { timeoutMs: number; maxResponseBytes: number };
  reservationTtlSeconds: number;
  reconcileIntervalMs: number;
  expirySkewSeconds: number;
  cache: CacheConfig;
  http: {
    host: string;
    port: number;
    publicHostnames: string[];
    allowedOrigins: string[];
    /** stateful sessions (elicitation, resumable streams) or stateless (any instance answers any request) */
    sessions: boolean;
    /**
     * `keys`: every request needs an API key, even when none exists yet. `none` (the explicit switch): requests
     * without a key act as the local principal, with fetch and read scopes, never operator; loopback only.
     */
    auth: "keys" | "none";
    maxRequestBytes: number;
    rateLimitPerMinute: number;
  };
  apiKeySalt: string | undefined;
  logLevel: z.infer<typeof schema>["logLevel"];
  /** receipts anchored on SKALE (src/audit) */
  audit: AuditConfig;
}

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

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`Invalid Pag0 configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/**
 * Read the configuration: the JSON file named by PAG0_CONFIG (if any), overlaid by the environment.
 * This is the only reader of `process.env`. Throws a ConfigError listing every problem at once.
 */
const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "::1", "[::1]"];
/** A loopback name or address (127.0.0.0/8, ::1, localhost). */
export const isLoopbackHost = (host: string) => LOOPBACK_HOSTS.includes(host) || /^127\./.test(host);

/** Why running `pag0 http` without API keys is refused for these settings, or null when it is allowed. */
export function noAuthProblem(http: { host: string; publicHostnames: string[] }): string | null {
  if (!isLoopbackHost(http.host)) return `running without API keys needs a loopback HOST, not ${http.host}`;
  if (http.publicHostnames.length > 0) return "running without API keys is refused with PAG0_PUBLIC_HOSTNAMES set";
  return null;
}

/** `pag0 http --no-auth`: the config with `http.auth` "none", or a ConfigError where that is not allowed. */
export function withoutAuth(config: Config): Config {
  const problem = noAuthProblem(config.http);
  if (problem) throw new ConfigError([`--no-auth: ${problem}`]);
  return { ...config, http: { ...config.http, auth: "none" } };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  let file: Record<string, unknown> = {};
  if (env.PAG0_CONFIG) {
    try {
      file = JSON.parse(readFileSync(resolve(env.PAG0_CONFIG), "utf8"));
    } catch (e) {
      throw new ConfigError([`PAG0_CONFIG: cannot read ${env.PAG0_CONFIG}: ${(e as Error).message}`]);
    }
  }
  const raw: Record<string, unknown> = { ...file };
  // the file spells custom networks as `networks: [{id, rpcUrl, usdc}]`; enabled ids come from X402_NETWORKS
  if (Array.isArray(file.networks) && file.networks.some((n) => typeof n === "object")) {
    raw.networkOverrides = file.networks;
    raw.networks = file.enabledNetworks ?? file.networks.map((n: { id?: unknown }) => n.id);
  }
  for (const [name, key] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    if (value !== undefined && value !== "") raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const envName = (key: PropertyKey) => Object.entries(ENV_NAMES).find(([, k]) => k === key)?.[0] ?? String(key);
    throw new ConfigError(parsed.error.issues.map((i) => `${envName(i.path[0] ?? "")}: ${i.message}`));
  }
  const c = parsed.data;
  const networks = resolveNetworks(c.networks, c.networkOverrides, problems);
  const cacheStore = resolveCacheStore(c, problems);
  const ledger = resolveLedger(c, problems);
  const limits = {
    perRequest: toAtomic(c.maxPerRequest),
    daily: toAtomic(c.dailyBudget),
    monthly: toAtomic(c.monthlyBudget),
  };
  if (limits.daily > limits.monthly) problems.push("PAG0_DAILY_BUDGET: must not exceed PAG0_MONTHLY_BUDGET");
  if (c.httpAuth === "none") {
    const problem = noAuthProblem({ host: c.host, publicHostnames: c.publicHostnames });
    if (problem) problems.push(`PAG0_HTTP_AUTH: ${problem}`);
  }
  const audit = resolveAuditConfig(c, problems);
  if (problems.length) throw new ConfigError(problems);
  return {
    dataDir: resolve(c.dataDir),
    ledger,
    walletPrivateKey: c.walletPrivateKey as `0x${string}` | undefined,
    policy: {
      limits,
      walletLimits: {
        daily: c.walletDailyBudget === undefined ? limits.daily : toAtomic(c.walletDailyBudget),
        monthly: c.walletMonthlyBudget === undefined ? limits.monthly : toAtomic(c.walletMonthlyBudget),
      },
      allowedHosts: c.allowedHosts.map((h) => h.toLowerCase()),
      blockedHosts: c.blockedHosts.map((h) => h.toLowerCase()),
      allowedPayees: c.allowedPayees.map((a) => a.toLowerCase()),
      blockedPayees: c.blockedPayees.map((a) => a.toLowerCase()),
      approvalThreshold: c.approvalThreshold === undefined ? undefined : toAtomic(c.approvalThreshold),
      maxTimeoutSeconds: c.maxTimeoutSeconds,
    },
    networks,
    allowPrivateHosts: c.allowPrivateHosts,
    upstream: { timeoutMs: c.upstreamTimeoutMs, maxResponseBytes: c.maxResponseBytes },
    reservationTtlSeconds: c.reservationTtlSeconds,
    reconcileIntervalMs: c.reconcileIntervalMs,
    expirySkewSeconds: c.expirySkewSeconds,
    cache: {
      enabled: c.cacheEnabled,
      store: cacheStore,
      defaultTtlSeconds: c.cacheDefaultTtlSeconds,
      maxTtlSeconds: c.cacheMaxTtlSeconds,
      maxEntryBytes: c.cacheMaxEntryBytes,
      sharedPublic: c.cacheSharedPublic,
      rules: c.cacheRules.map((r) => ({ ...r, host: r.host.toLowerCase() })),
      keyPrefix: c.cacheKeyPrefix,
      timeoutMs: c.cacheTimeoutMs,
    },
    http: {
      host: c.host,
      port: c.port,
      publicHostnames: c.publicHostnames.map((h) => h.toLowerCase()),
      allowedOrigins: c.allowedOrigins,
      sessions: c.httpSessions,
      auth: c.httpAuth,
      maxRequestBytes: c.maxRequestBytes,
      rateLimitPerMinute: c.rateLimitPerMinute,
    },
    apiKeySalt: c.apiKeySalt,
    logLevel: c.logLevel,
    audit,
  };
}

/**
 * Where cache entries live: REDIS_URL `redis://`/`rediss://` → Redis protocol; `https://` + REDIS_TOKEN → Upstash
 * REST; else UPSTASH_REDIS_REST_URL/_TOKEN; else memory. Problems never quote a URL or token (they hold secrets).
 */
function resolveCacheStore(c: z.infer<typeof schema>, problems: string[]): CacheConfig["store"] {
  const memory = { kind: "memory" as const, maxBytes: c.cacheMaxBytes };
  const [urlName, tokenName, url, token] = c.redisUrl
    ? ["REDIS_URL", "REDIS_TOKEN", c.redisUrl, c.redisToken]
    : ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", c.upstashRestUrl, c.upstashRestToken];
  if (!url) return memory;
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (c.redisUrl && (parsed?.protocol === "redis:" || parsed?.protocol === "rediss:")) return { kind: "redis", url };
  // plain http only to this machine (a local REST bridge): the token must not cross a network in clear
  const local = parsed?.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
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
function resolveLedger(c: z.infer<typeof schema>, problems: string[]): LedgerConfig {
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
    const local = url?.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
    if (url?.protocol !== "https:" && !local) problems.push("SUPABASE_URL: must be the project's https:// URL");
    if (!c.supabaseServiceRoleKey) problems.push("SUPABASE_SERVICE_ROLE_KEY: required with SUPABASE_URL");
    return { kind: "supabase", url: c.supabaseUrl ?? "", serviceRoleKey: c.supabaseServiceRoleKey ?? "", timeoutMs };
  }
  return { kind: "pglite", dataDir: resolve(c.dataDir), timeoutMs };
}

function resolveNetworks(
  enabled: string[],
  overrides: z.infer<typeof networkOverride>[],
  problems: string[],
): Map<string, NetworkConfig> {
  const out = new Map<string, NetworkConfig>();
  for (const id of enabled) {
    const base = BUILTIN_NETWORKS[id];
    const o = overrides.find((n) => n.id === id);
    const usdc = { ...base?.usdc, ...o?.usdc };
    const rpcUrl = o?.rpcUrl ?? base?.rpcUrl;
    if (!rpcUrl || !usdc.address || !usdc.name || !usdc.version) {
      problems.push(`X402_NETWORKS: ${id} is not a built-in network; define it in the PAG0_CONFIG file's networks`);
      continue;
    }
    out.set(id, {
      id,
      chainId: Number(id.split(":")[1]),
      v1Name: o?.v1Name ?? base?.v1Name,
      rpcUrl,
      usdc: { address: usdc.address as `0x${string}`, name: usdc.name, version: usdc.version, decimals: 6 },
    });
  }
  return out;
}
