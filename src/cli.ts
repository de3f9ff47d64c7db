#!/usr/bin/env node
import type { Command } from "./commands/command.js";
import { demo } from "./commands/demo.js";
import { stdio } from "./commands/stdio.js";
import { ConfigError } from "./config.js";

/** Every `pag0` subcommand, one file each in src/commands. */
const COMMANDS: Record<string, Command> = {
  stdio,
  demo,
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
