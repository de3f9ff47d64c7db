import { createApp } from "../app.js";
import { loadConfig } from "../config/loadConfig.js";
import { runDashboard } from "../dashboard/runDashboard.js";
import { createLogger } from "../logger.js";
import type { Command } from "./command.js";
import { parseFlags } from "./withLedger.js";

const USAGE = `Usage: pag0 dashboard [--port <n>]

Opens the spend dashboard for a local user on http://127.0.0.1 (a free port, or --port): spend per day and
principal, budgets, recent payments with their audit proofs, cache savings, and the payments waiting for your
approval, with Approve and Deny buttons. It prints a URL with a one-time token on stderr; open it in your browser.
The token (or an operator API key) is needed for every request and lasts until the process stops. It runs only
in an interactive terminal, so that an agent's shell tool cannot open it and approve its own payments.

It reads the ledger of PAG0_DATA_DIR (or DATABASE_URL): use the same settings as your pag0 stdio. A remote
pag0 http serves the same page at /dashboard, for operator keys.
`;

export const dashboard: Command = {
  usage: USAGE,
  summary: "open the spend dashboard on 127.0.0.1 with a one-time token (budgets, payments, approvals)",
  async run(args) {
    const { flags, positionals } = parseFlags(args);
    const port = Number(flags.port ?? "0");
    const unknown = Object.keys(flags).filter((f) => f !== "port");
    if (positionals.length > 0 || unknown.length > 0 || !Number.isInteger(port) || port < 0 || port > 65_535) {
      process.stderr.write(
        `pag0 dashboard: --port takes a port number (0-65535); nothing else is accepted\n\n${USAGE}`,
      );
      return 2;
    }
    // as `pag0 approvals approve` does: the link is for a human at a terminal, not for an agent's shell tool,
    // which runs commands without one (the link would let the agent approve its own payments)
    if (!process.stdin.isTTY || !process.stderr.isTTY) {
      process.stderr.write(
        "pag0 dashboard prints a secret link for you to open, so it runs only in an interactive terminal (not from a pipe\nor an agent's shell tool). Remote operators: /dashboard on pag0 http, with an operator key.\n",
      );
      return 1;
    }
    const config = loadConfig();
    const verbose = config.logLevel === "debug" || config.logLevel === "trace";
    // errors only: the URL line is the output, and a terminal user needs no startup chatter (a missing wallet)
    await runDashboard(createApp(config, createLogger(verbose ? config.logLevel : "error")), { port });
    return 0;
  },
};
