#!/usr/bin/env node
import { ConfigError, loadConfig } from "./config.js";
import { createDeps } from "./deps.js";
import { createLogger } from "./logger.js";
import { runStdio } from "./server/stdio.js";

const USAGE = `Usage: pag0 <command>

Commands:
  stdio     serve the MCP tools over stdio (Claude Desktop, Claude Code, Cursor)
  demo      run the whole offline x402 world end to end (local chain, facilitator, paid APIs)
  help      show this message

Configuration comes from the environment (and the JSON file named by PAG0_CONFIG); see README.md.`;

async function main(argv: string[]): Promise<number> {
  const [command = "help"] = argv;
  switch (command) {
    case "stdio": {
      const config = loadConfig();
      const log = createLogger(config.logLevel);
      await runStdio(createDeps(config, log));
      return 0;
    }
    case "demo": {
      // the demo drives the test world (a local chain and paid APIs), which lives in the source checkout
      process.stderr.write("pag0 demo runs from a source checkout: git clone, then `npm install && npm run demo`.\n");
      return 2;
    }
    case "help":
    case "--help":
    case "-h":
      process.stderr.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`pag0: unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
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
