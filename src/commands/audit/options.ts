/** The flags of every `pag0 audit` subcommand. */
export const OPTIONS = {
  json: { type: "boolean" },
  offline: { type: "boolean" },
  "allow-offline": { type: "boolean" },
  rpc: { type: "string" },
  contract: { type: "string" },
  operator: { type: "string" },
  "agent-id": { type: "string" },
  "payment-rpc": { type: "string" },
  blocks: { type: "string" },
  "from-block": { type: "string" },
  "to-block": { type: "string" },
  wallet: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;
