import { createApp } from "../app.js";
import { loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { runHttp } from "../server/http.js";
import type { Command } from "./command.js";

export const http: Command = {
  summary:
    "serve the MCP tools over streamable HTTP at /mcp for remote agents (HOST, PORT; API keys required off loopback)",
  async run() {
    const config = loadConfig();
    await runHttp(createApp(config, createLogger(config.logLevel)));
    return 0;
  },
};
