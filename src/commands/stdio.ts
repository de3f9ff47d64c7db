import { createApp } from "../app.js";
import { loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { runStdio } from "../server/stdio.js";
import type { Command } from "./command.js";

export const stdio: Command = {
  summary: "serve the MCP tools over stdio (Claude Desktop, Claude Code, Cursor)",
  async run() {
    const config = loadConfig();
    await runStdio(createApp(config, createLogger(config.logLevel)));
    return 0;
  },
};
