import { loadConfig } from "../config/loadConfig.js";
import { closeLogger } from "../logger.js";
import { runStdio } from "../server/stdio.js";
import { configInstructions } from "../tools/instructions.js";
import type { Command } from "./command.js";
import { serverLogger } from "./commandLogger.js";

export const stdio: Command = {
  usage:
    "Usage: pag0 stdio\n\nServes the MCP tools (paid_fetch, get_budget, list_spend) over stdio for one local user: what Claude Desktop,\nClaude Code and Cursor start. Configuration comes from the environment (WALLET_PRIVATE_KEY, PAG0_DAILY_BUDGET, ...)\nand the JSON file named by PAG0_CONFIG; see README.md.\n",
  summary: "serve the MCP tools over stdio (Claude Desktop, Claude Code, Cursor)",
  async run() {
    const config = loadConfig();
    const log = serverLogger(config);
    // the app (tools, pipeline, adapters) is built once the client is initialized: `initialize` does not wait for it
    const build = async () => (await import("../app.js")).createApp(config, log);
    try {
      await runStdio(build, { instructions: configInstructions(config), log });
    } finally {
      await closeLogger(log);
    }
    return 0;
  },
};
