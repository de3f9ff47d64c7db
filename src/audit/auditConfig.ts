import * as z from "zod";

/** SKALE chains with a built-in public RPC; any other chain id needs SKALE_RPC_URL. */
export const BUILTIN_AUDIT_CHAINS: Record<number, { name: string; rpcUrl: string }> = {
  1187947933: { name: "SKALE Base", rpcUrl: "https://skale-base.skalenodes.com/v1/base" },
  324705682: {
    name: "SKALE Base Sepolia",
    rpcUrl: "https://base-sepolia-testnet.skalenodes.com/v1/jubilant-horrible-ancha",
  },
};

const bool = z.union([z.boolean(), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1")]);

/** The audit settings of the config schema (src/config.ts spreads them in), by their config-file names. */
export const auditSettings = {
  skaleRpcUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  auditChainId: z.coerce.number().int().positive().default(324705682),
  auditContract: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address")
    .optional(),
  auditSignerKey: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key")
    .optional(),
  auditAgentId: z.coerce
    .string()
    .regex(/^\d{1,78}$/, "must be a whole number (the ERC-8004 agentId)")
    .optional(),
  auditBatchIntervalMs: z.coerce.number().int().min(50).default(10_000),
  auditBatchSize: z.coerce.number().int().min(1).max(2048).default(256),
  auditStrict: bool.default(false),
  auditMaxBacklogSeconds: z.coerce.number().int().positive().default(300),
  auditEvents: bool.default(false),
};

/** Environment names of the audit settings (DESIGN.md §4 names where it has them). */
export const AUDIT_ENV_NAMES = {
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
} as const;

export interface AuditConfig {
  /** the SKALE chain receipts are anchored on; checked against eth_chainId at start */
  chainId: number;
  /** SKALE_RPC_URL, else the built-in chain's public RPC */
  rpcUrl: string | undefined;
  contract: `0x${string}` | undefined;
  /** the contract's operator key (signs anchor transactions); never the payer wallet's */
  signerKey: `0x${string}` | undefined;
  /** ERC-8004 agentId: deploy uses it; at start the contract's must match */
  agentId: bigint | undefined;
  batchIntervalMs: number;
  batchSize: number;
  strict: boolean;
  maxBacklogSeconds: number;
  /** one ERC-8004 NewFeedback event per receipt with each batch */
  events: boolean;
  /** RPC, contract and signer are all known: the anchorer runs; otherwise receipts queue */
  anchoring: boolean;
}

type AuditSettings = z.infer<z.ZodObject<typeof auditSettings>>;

/** The audit part of `Config`, adding to `problems` what cannot work. */
export function resolveAuditConfig(c: AuditSettings, problems: string[]): AuditConfig {
  const rpcUrl = c.skaleRpcUrl ?? BUILTIN_AUDIT_CHAINS[c.auditChainId]?.rpcUrl;
  const anchoring = rpcUrl !== undefined && c.auditContract !== undefined && c.auditSignerKey !== undefined;
  if (c.auditStrict && !anchoring) {
    problems.push(
      "PAG0_AUDIT_STRICT: strict audit mode needs anchoring (PAG0_AUDIT_CONTRACT and ERC8004_SIGNER_KEY, and " +
        "SKALE_RPC_URL off the built-in SKALE chains); otherwise every paid call would end up refused",
    );
  }
  if (rpcUrl === undefined && (c.auditContract !== undefined || c.auditSignerKey !== undefined)) {
    problems.push(`SKALE_RPC_URL: chain ${c.auditChainId} is not a built-in SKALE chain; give its RPC URL`);
  }
  return {
    chainId: c.auditChainId,
    rpcUrl,
    contract: c.auditContract as `0x${string}` | undefined,
    signerKey: c.auditSignerKey as `0x${string}` | undefined,
    agentId: c.auditAgentId === undefined ? undefined : BigInt(c.auditAgentId),
    batchIntervalMs: c.auditBatchIntervalMs,
    batchSize: c.auditBatchSize,
    strict: c.auditStrict,
    maxBacklogSeconds: c.auditMaxBacklogSeconds,
    events: c.auditEvents,
    anchoring,
  };
}
