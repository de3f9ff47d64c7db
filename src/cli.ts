#!/usr/bin/env node
import type { Command } from "./commands/command.js";
import { ConfigError } from "./config/loadConfig.js";

/**
 * Every `pag0` subcommand, one file each in src/commands, loaded only when run: `pag0 stdio` must answer
 * `initialize` fast, without loading the HTTP server, the audit tooling or the operator commands.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  stdio: {
    summary: "serve the MCP tools over stdio (Claude Desktop, Claude Code, Cursor)",
    load: async () => (await import("./commands/stdio.js")).stdio,
  },
  http: {
    summary: "serve the MCP tools over streamable HTTP at /mcp for remote agents",
    load: async () => (await import("./commands/http.js")).http,
  },
  migrate: {
    summary: "apply supabase/migrations to DATABASE_URL, once, under an advisory lock",
    load: async () => (await import("./commands/migrate.js")).migrate,
  },
  keys: {
    summary: "create, list and revoke API keys of remote agents (principals)",
    load: async () => (await import("./commands/keys.js")).keys,
  },
  policy: {
    summary: "show or set a principal's per-request, daily and monthly limits",
    load: async () => (await import("./commands/policy.js")).policy,
  },
  approvals: {
    summary: "list, approve or deny payments waiting for a human",
    load: async () => (await import("./commands/approvals.js")).approvals,
  },
  spend: {
    summary: "list payments from the ledger as a table, --json or --csv",
    load: async () => (await import("./commands/spend.js")).spend,
  },
  doctor: {
    summary: "check configuration, data dir, ledger, audit chain, cache, wallet and each network's RPC and USDC",
    load: async () => (await import("./commands/doctor.js")).doctor,
  },
  audit: {
    summary: "audit receipts on SKALE: deploy, status, verify <receiptId>, reconcile",
    load: async () => (await import("./commands/audit.js")).audit,
  },
  demo: {
    summary: "run the whole offline x402 world end to end (from a source checkout: npm run demo)",
    load: async () => (await import("./commands/demo.js")).demo,
  },
};

const usage = () =>
  [
    "Usage: pag0 <command>",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`),
    "",
    "Configuration comes from the environment (and the JSON file named by PAG0_CONFIG); see README.md.",
    "",
  ].join("\n");

async function main([name = "help", ...args]: string[]): Promise<number> {
  if (name === "help" || name === "--help" || name === "-h") {
    process.stderr.write(usage());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`pag0: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return (await command.load()).run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(e instanceof ConfigError ? `${e.message}\n` : `pag0: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
