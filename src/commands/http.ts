import { createApp } from "../app.js";
import { loadConfig, withoutAuth } from "../config/loadConfig.js";
import { createLogger } from "../logger.js";
import { runHttp } from "../server/http.js";
import type { Command } from "./command.js";

export const http: Command = {
  summary:
    "serve the MCP tools over streamable HTTP at /mcp for remote agents (HOST, PORT; every request needs an API key, or --no-auth on loopback)",
  async run(args) {
    const config = args.includes("--no-auth") ? withoutAuth(loadConfig()) : loadConfig();
    await runHttp(createApp(config, createLogger(config.logLevel)));
    return 0;
  },
};
