import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { toAtomic } from "../money.js";
import { type AuditConfig, resolveAuditConfig } from "./audit.js";
import { type AxiomConfig, resolveAxiom } from "./logging.js";
import { isLoopbackHost, LOOPBACK_HOSTS } from "./loopback.js";
import { type NetworkConfig, resolveNetworks } from "./networks.js";
import { ENV_NAMES, type Settings, schema } from "./schema.js";
import { type CacheConfig, type LedgerConfig, resolveCacheStore, resolveLedger } from "./stores.js";

export type { AuditConfig, AxiomConfig, CacheConfig, LedgerConfig, NetworkConfig };
export { isLoopbackHost, LOOPBACK_HOSTS };

/**
 * The one reader of process.env: the schema and every env name (config/schema.ts), resolved into `Config` with
 * networks (config/networks.ts), stores (config/stores.ts) and audit (config/audit.ts). Every problem is reported
 * at once.
 */

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
  logLevel: Settings["logLevel"];
  /** `auto`: pretty when stderr is a terminal, JSON lines otherwise */
  logFormat: Settings["logFormat"];
  /** logs also shipped to Axiom (AXIOM_API_TOKEN + AXIOM_DATASET) */
  axiom: AxiomConfig | undefined;
  /** where alerts are posted (ALERT_WEBHOOK_URL, a Discord/Slack webhook: a secret); unset = no alerts */
  alertWebhookUrl: string | undefined;
  /** receipts anchored on SKALE (src/audit) */
  audit: AuditConfig;
}

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
  if (limits.daily > limits.monthly) {
    problems.push(
      `PAG0_DAILY_BUDGET: the daily budget (${c.dailyBudget} USDC) must not exceed the monthly budget ` +
        `(PAG0_MONTHLY_BUDGET, ${c.monthlyBudget} USDC): lower the daily budget or raise the monthly one`,
    );
  }
  if (c.httpAuth === "none") {
    const problem = noAuthProblem({ host: c.host, publicHostnames: c.publicHostnames });
    if (problem) problems.push(`PAG0_HTTP_AUTH: ${problem}`);
  }
  const audit = resolveAuditConfig(c, problems);
  const axiom = resolveAxiom(c, problems);
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
    logFormat: c.logFormat,
    axiom,
    alertWebhookUrl: c.alertWebhookUrl,
    audit,
  };
}

/**
 * Where cache entries live: REDIS_URL `redis://`/`rediss://` → Redis protocol; `https://` + REDIS_TOKEN → Upstash
 * REST; else UPSTASH_REDIS_REST_URL/_TOKEN; else memory. Problems never quote a URL or token (they hold secrets).
 */
