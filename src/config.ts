import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import * as z from "zod";
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
  host: z.string().default("127.0.0.1"),
  port: z.coerce.number().int().min(0).max(65535).default(8402),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

const ENV_NAMES: Record<string, keyof z.input<typeof schema>> = {
  PAG0_DATA_DIR: "dataDir",
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
  HOST: "host",
  PORT: "port",
  LOG_LEVEL: "logLevel",
};

export interface Config {
  dataDir: string;
  walletPrivateKey: `0x${string}` | undefined;
  policy: {
    limits: { perRequest: bigint; daily: bigint; monthly: bigint };
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
  http: { host: string; port: number };
  logLevel: z.infer<typeof schema>["logLevel"];
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
  const limits = {
    perRequest: toAtomic(c.maxPerRequest),
    daily: toAtomic(c.dailyBudget),
    monthly: toAtomic(c.monthlyBudget),
  };
  if (limits.daily > limits.monthly) problems.push("PAG0_DAILY_BUDGET: must not exceed PAG0_MONTHLY_BUDGET");
  if (problems.length) throw new ConfigError(problems);
  return {
    dataDir: resolve(c.dataDir),
    walletPrivateKey: c.walletPrivateKey as `0x${string}` | undefined,
    policy: {
      limits,
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
    http: { host: c.host, port: c.port },
    logLevel: c.logLevel,
  };
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
