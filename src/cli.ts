#!/usr/bin/env node
import { readFileSync } from "node:fs";
import type { Command } from "./commands/command.js";
import { print } from "./commands/output.js";
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
  dashboard: {
    summary: "open the spend dashboard on 127.0.0.1 with a one-time token (budgets, payments, approvals)",
    load: async () => (await import("./commands/dashboard.js")).dashboard,
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
    "Usage: pag0 <command> [--help]   (pag0 --version prints the version)",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`),
    "",
    "Configuration comes from the environment (and the JSON file named by PAG0_CONFIG); see README.md.",
    "",
  ].join("\n");

const HELP = new Set(["--help", "-h"]);

/** The package's version, from its package.json (beside dist/ and src/ alike). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

async function main([name = "help", ...args]: string[]): Promise<number> {
  if (name === "--version" || name === "-v") {
    print(`${version()}\n`);
    return 0;
  }
  // `pag0 help`, `pag0 --help`, `pag0 help <command>`: usage on stdout, nothing run
  const asked = name === "help" || HELP.has(name) ? args[0] : HELP.has(args[0] ?? "") ? name : undefined;
  if (name === "help" || HELP.has(name) || asked !== undefined) {
    if (asked === undefined) {
      print(usage());
      return 0;
    }
    const command = COMMANDS[asked];
    if (!command) {
      process.stderr.write(`pag0: unknown command "${asked}"\n\n${usage()}`);
      return 2;
    }
    print((await command.load()).usage);
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
