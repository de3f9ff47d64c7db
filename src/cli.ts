#!/usr/bin/env node
import { approvals } from "./commands/approvals.js";
import { audit } from "./commands/audit.js";
import type { Command } from "./commands/command.js";
import { demo } from "./commands/demo.js";
import { doctor } from "./commands/doctor.js";
import { http } from "./commands/http.js";
import { keys } from "./commands/keys.js";
import { migrate } from "./commands/migrate.js";
import { policy } from "./commands/policy.js";
import { spend } from "./commands/spend.js";
import { stdio } from "./commands/stdio.js";
import { ConfigError } from "./config.js";

/** Every `pag0` subcommand, one file each in src/commands. */
const COMMANDS: Record<string, Command> = {
  stdio,
  http,
  migrate,
  keys,
  policy,
  approvals,
  demo,
  spend,
  doctor,
  audit,
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
  return command.run(args);
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
