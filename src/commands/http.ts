import { loadConfig, withoutAuth } from "../config/loadConfig.js";
import { closeLogger } from "../logger.js";
import { assertPortFree } from "../server/listen.js";
import type { Command } from "./command.js";
import { serverLogger } from "./commandLogger.js";

export const http: Command = {
  usage:
    "Usage: pag0 http [--no-auth]\n\nServes the MCP tools over streamable HTTP at /mcp (HOST, PORT; default 127.0.0.1:8402), plus /health, /metrics,\n/approvals and the spend dashboard at /dashboard (operator keys). Every request needs an API key (pag0 keys\ncreate). --no-auth (or PAG0_HTTP_AUTH=none) serves keyless requests as the local principal, without operator scope,\non a loopback HOST only.\n",
  summary:
    "serve the MCP tools over streamable HTTP at /mcp for remote agents (HOST, PORT; every request needs an API key, or --no-auth on loopback)",
  async run(args) {
    const config = args.includes("--no-auth") ? withoutAuth(loadConfig()) : loadConfig();
    // the port first, before the app's modules load: a busy one is refused at once
    await assertPortFree(config.http.port, config.http.host, "set PORT");
    const [{ createApp }, { runHttp }] = await Promise.all([import("../app.js"), import("../server/http.js")]);
    const log = serverLogger(config);
    try {
      await runHttp(createApp(config, log));
    } finally {
      await closeLogger(log);
    }
    return 0;
  },
};
