import { homedir } from "node:os";
import { join } from "node:path";
import * as z from "zod";
import { isDecimalAmount } from "../money.js";

export const decimal = z.string().trim().refine(isDecimalAmount, "must be a decimal USDC amount like 0.10");
export const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean));
export const bool = z.union([
  z.boolean(),
  z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1"),
]);
export const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");
export const privateKey = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key");
export const caip2 = z.string().regex(/^eip155:\d+$/, "must be a CAIP-2 EVM network id like eip155:84532");
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
export const schema = z.object({
  dataDir: z.string().default(join(homedir(), ".pag0")),
  databaseUrl: z.string().trim().optional(),
  supabaseUrl: z.string().trim().optional(),
  supabaseServiceRoleKey: z.string().trim().optional(),
  ledgerTimeoutMs: z.coerce.number().int().positive().default(30_000),
  walletPrivateKey: privateKey.optional(),
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
  /** short: a dead instance's payments are decided within one tick of its lease lapsing (jobs/instanceLease.ts) */
  reconcileIntervalMs: z.coerce.number().int().positive().default(2_000),
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
  /** `auto`: pretty on a terminal, JSON lines otherwise (config/logging.ts) */
  logFormat: z.enum(["auto", "json", "pretty"]).default("auto"),
  axiomToken: z.string().trim().min(1).optional(),
  axiomDataset: z
    .string()
    .trim()
    .regex(/^[\w.-]+$/, "must be an Axiom dataset name (letters, digits, ., _ and -)")
    .optional(),
  axiomUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  /** a Discord or Slack incoming webhook (src/alerts); it holds a token, so it is never logged or shown */
  alertWebhookUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  // audit on SKALE (config/audit.ts)
  skaleRpcUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  auditChainId: z.coerce.number().int().positive().default(324705682),
  auditContract: address.optional(),
  auditSignerKey: privateKey.optional(),
  auditAgentId: z.coerce
    .string()
    .regex(/^\d{1,78}$/, "must be a whole number (the ERC-8004 agentId)")
    .optional(),
  auditBatchIntervalMs: z.coerce.number().int().min(50).default(10_000),
  auditBatchSize: z.coerce.number().int().min(1).max(2048).default(256),
  auditStrict: bool.default(false),
  auditMaxBacklogSeconds: z.coerce.number().int().positive().default(300),
  auditEvents: bool.default(false),
});

/** Every environment variable Pag0 reads, and its setting (DESIGN.md §4 names where it has them). */
export const ENV_NAMES: Record<string, keyof z.input<typeof schema>> = {
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
  LOG_FORMAT: "logFormat",
  AXIOM_API_TOKEN: "axiomToken",
  AXIOM_DATASET: "axiomDataset",
  AXIOM_URL: "axiomUrl",
  ALERT_WEBHOOK_URL: "alertWebhookUrl",
  SKALE_RPC_URL: "skaleRpcUrl",
  PAG0_AUDIT_CHAIN_ID: "auditChainId",
  PAG0_AUDIT_CONTRACT: "auditContract",
  ERC8004_SIGNER_KEY: "auditSignerKey",
  ERC8004_AGENT_ID: "auditAgentId",
  PAG0_AUDIT_BATCH_INTERVAL_MS: "auditBatchIntervalMs",
  PAG0_AUDIT_BATCH_SIZE: "auditBatchSize",
  PAG0_AUDIT_STRICT: "auditStrict",
  PAG0_AUDIT_MAX_BACKLOG_SECONDS: "auditMaxBacklogSeconds",
  PAG0_AUDIT_EVENTS: "auditEvents",
};

/** The parsed settings, before they are resolved into `Config`. */
export type Settings = z.infer<typeof schema>;
export type NetworkOverride = z.infer<typeof networkOverride>;
