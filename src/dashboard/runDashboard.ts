import type { AddressInfo } from "node:net";
import { hostHeaderValidation } from "@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js";
import express from "express";
import { type Config, LOOPBACK_HOSTS } from "../config/loadConfig.js";
import { apiKeySalt } from "../server/apiKeys.js";
import { originCheck } from "../server/http.js";
import { bearerAuth, keyVerifier } from "../server/httpAuth.js";
import { listen } from "../server/listen.js";
import { newDashboardToken } from "./dashboardAuth.js";
import { dashboardRoutes } from "./dashboardRoutes.js";
import type { OperatorViewDeps } from "./operatorView.js";

export interface DashboardApp extends OperatorViewDeps {
  config: Pick<Config, "apiKeySalt" | "dataDir">;
  stop(): Promise<void>;
}

/** Where `pag0 dashboard` listens: always loopback; port 0 picks a free one. */
export const DASHBOARD_HOST = "127.0.0.1";

/**
 * `pag0 dashboard`: the spend dashboard for a local user, on 127.0.0.1 only, as Jupyter does it: a random token
 * made at start goes in the URL's fragment (never sent in a request line, so never in a log or a Referer), and the
 * page sends it as a bearer header. An operator key works too. Runs until Ctrl-C, SIGTERM or SIGHUP.
 */
export async function runDashboard(deps: DashboardApp, options: { port: number }): Promise<void> {
  const token = newDashboardToken();
  const app = express();
  app.disable("x-powered-by");
  // another site's page cannot reach this server through a rebound DNS name, nor post to it
  app.use(hostHeaderValidation(LOOPBACK_HOSTS));
  app.use(originCheck(LOOPBACK_HOSTS, []));
  app.get("/", (_req, res) => res.redirect("/dashboard"));
  const operatorKey = bearerAuth(
    {
      ledger: deps.ledger,
      verify: keyVerifier(deps.ledger),
      salt: apiKeySalt(deps.config.apiKeySalt, deps.config.dataDir),
      log: deps.log,
      openLocalPrincipal: null,
    },
    "operator",
  );
  app.use("/dashboard", dashboardRoutes(deps, { token, operatorKey }));

  const server = await listen(app, options.port, DASHBOARD_HOST, "pass another --port");
  try {
    // the ledger opens before the URL is shown: a page that cannot load its data is no use
    await deps.ledger.listPrincipals();
  } catch (e) {
    await new Promise((resolve) => server.close(resolve));
    await deps.stop().catch(() => {});
    throw e;
  }
  const { port } = server.address() as AddressInfo;
  deps.log.info({ port }, "pag0 dashboard ready"); // the token is never logged
  process.stderr.write(
    `pag0 dashboard: open http://${DASHBOARD_HOST}:${port}/dashboard#token=${token}\n` +
      "(loopback only; the token lasts until this process stops; Ctrl-C stops it)\n",
  );
  await stopSignal();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await deps.stop();
}

/**
 * Resolves at the first Ctrl-C, SIGTERM or closed terminal (SIGHUP): then the server stops and the ledger closes.
 * A second one while that runs exits at once. The handlers stay installed, so no other handler decides the exit.
 */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) process.exit(130);
      stopping = true;
      resolve();
    };
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);
  });
}
