import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { InMemoryEventStore } from "@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js";
import { hostHeaderValidation } from "@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Registry } from "prom-client";
import { type Config, isLoopbackHost, LOOPBACK_HOSTS, noAuthProblem } from "../config/loadConfig.js";
import { dashboardRoutes } from "../dashboard/dashboardRoutes.js";
import type { Scope } from "../ledger/accessStore.js";
import type { BudgetLimits, Ledger } from "../ledger/ledger.js";
import type { SavingsWriter } from "../ledger/savingsWriter.js";
import type { Logger } from "../logger.js";
import { LOCAL_PRINCIPAL } from "../tools/defineTool.js";
import { apiKeySalt } from "./apiKeys.js";
import { createMcpServer } from "./createMcpServer.js";
import { type AuthedRequest, bearerAuth, keyVerifier } from "./httpAuth.js";
import { httpRefusal } from "./httpRefusal.js";
import { approvalRoutes, healthRoute, metricsRoute } from "./httpRoutes.js";
import { listen } from "./listen.js";
import type { RateCounter } from "./rateLimitStore.js";
import { toolCallLimiter } from "./toolCallLimiter.js";
import type { CallerOf, ToolSeam } from "./toolSeam.js";

/**
 * What `pag0 http` serves: the app's prepared tools, the ledger (keys, approvals, health, the dashboard), metrics,
 * lifecycle.
 */
export interface HttpApp {
  config: Pick<Config, "http" | "apiKeySalt" | "dataDir" | "networks" | "policy">;
  log: Logger;
  ledger: Ledger;
  wallet: { address: string } | null;
  metrics: { registry: Registry };
  cache: { close(): Promise<void> };
  /** where the per-key rate limits count: shared by every instance unless it is this process's memory */
  rateCounter: RateCounter;
  /** cache savings still queued in this process (the dashboard writes them before it reads spend) */
  savings: Pick<SavingsWriter, "flush">;
  tools: ToolSeam;
  instructions(limits?: BudgetLimits): string;
  start(): void;
  stop(): Promise<void>;
}

const callerOf: CallerOf = (extra) => ({
  principal: extra.authInfo?.clientId ?? "anonymous",
  scopes: (extra.authInfo?.scopes ?? []) as Scope[],
});

/**
 * The streamable HTTP transport at /mcp, for remote agents: one API key per principal, Host and Origin checks
 * against DNS rebinding, per-key rate limits, request size limits, and either stateful sessions (elicitation,
 * resumable streams) or stateless requests (any instance answers). Also /health, /metrics and approvals.
 */
export function createHttpApp(deps: HttpApp) {
  const { config, log } = deps;
  const auth = {
    ledger: deps.ledger,
    verify: keyVerifier(deps.ledger),
    salt: apiKeySalt(config.apiKeySalt, config.dataDir),
    log,
    // only with the explicit switch, which config allows on a loopback bind without public host names alone
    openLocalPrincipal: config.http.auth === "none" && noAuthProblem(config.http) === null ? LOCAL_PRINCIPAL : null,
  };
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; principal: string }>();
  const app = express();
  app.disable("x-powered-by");
  // before the Host check: platform health checks (Fly) reach the machine by its internal address
  app.get("/health", healthRoute(deps));
  app.use(hostHeaderValidation([...LOOPBACK_HOSTS, ...config.http.publicHostnames]));
  app.use(originCheck([...LOOPBACK_HOSTS, ...config.http.publicHostnames], config.http.allowedOrigins));

  app.get("/metrics", bearerAuth(auth, "operator"), metricsRoute(deps));
  app.use("/approvals", bearerAuth(auth, "operator"), approvalRoutes(deps));
  // the page loads without a key (it asks for one); its data requests need an operator key
  app.use("/dashboard", dashboardRoutes(deps, { operatorKey: bearerAuth(auth, "operator") }));

  app.all(
    "/mcp",
    bearerAuth(auth),
    express.json({ limit: config.http.maxRequestBytes }),
    // after the body is parsed: only tool calls count
    toolCallLimiter({ limit: config.http.rateLimitPerMinute, windowMs: 60_000, counter: deps.rateCounter, log }),
    async (req: AuthedRequest, res: Response) => {
      if (!config.http.sessions) return statelessRequest(deps, req, res);
      const sessionId = req.header("mcp-session-id");
      if (sessionId) {
        const session = sessions.get(sessionId);
        if (!session) return httpRefusal(res, 404, "INVALID_INPUT", "Session not found");
        if (session.principal !== req.auth?.clientId)
          return httpRefusal(res, 403, "FORBIDDEN", "This session belongs to another key");
        return session.transport.handleRequest(req, res, req.body);
      }
      if (req.method !== "POST" || !isInitializeRequest(req.body)) {
        return httpRefusal(res, 400, "INVALID_INPUT", "Bad Request: No valid session ID provided");
      }
      const principal = req.auth?.clientId ?? "anonymous";
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        eventStore: new InMemoryEventStore(),
        onsessioninitialized: (id) => {
          sessions.set(id, { transport, principal });
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      const instructions = deps.instructions(await limitsOf(deps, principal));
      await createMcpServer(deps.tools, { instructions, callerOf }).connect(transport);
      await transport.handleRequest(req, res, req.body);
    },
  );
  app.use((err: Error & { type?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === "entity.too.large")
      return httpRefusal(res, 413, "INVALID_INPUT", `Request body larger than ${config.http.maxRequestBytes} bytes`);
    if (err.type === "entity.parse.failed") return httpRefusal(res, 400, "INVALID_INPUT", "Parse error", {}, -32700);
    log.error({ err }, "HTTP request failed");
    return httpRefusal(res, 500, "INTERNAL", "Internal error");
  });
  return { app, closeSessions: () => Promise.all([...sessions.values()].map((s) => s.transport.close())) };
}

async function statelessRequest(deps: HttpApp, req: AuthedRequest, res: Response) {
  if (req.method !== "POST") {
    res.set("Allow", "POST");
    return httpRefusal(res, 405, "INVALID_INPUT", "Method not allowed: this server is stateless, POST only");
  }
  // instructions are only read at initialize: look the principal's limits up only then
  const limits = isInitializeRequest(req.body) ? await limitsOf(deps, req.auth?.clientId ?? "") : undefined;
  const server = createMcpServer(deps.tools, { instructions: deps.instructions(limits), callerOf });
  // JSON answers, not an SSE stream: a client whose instance dies gets an error at once, not at its own timeout
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on("close", () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
}

/** The principal's own limits, for the instructions its agent reads (the defaults if the ledger cannot say). */
const limitsOf = async (deps: HttpApp, principal: string) =>
  (await deps.ledger.budgetStatus(principal).catch(() => null))?.limits;

/** Browsers send Origin: refuse pages from other sites (DNS rebinding, CSRF); non-browser clients send none. */
export function originCheck(hostnames: string[], origins: string[]) {
  return function originCheck(req: Request, res: Response, next: NextFunction) {
    const origin = req.header("origin");
    if (!origin) return next();
    let host = "";
    try {
      host = new URL(origin).hostname;
    } catch {
      // an unparseable Origin is refused below
    }
    if (origins.includes(origin) || hostnames.includes(host) || hostnames.includes(`[${host}]`)) return next();
    return httpRefusal(res, 403, "FORBIDDEN", `Invalid Origin: ${origin.slice(0, 100)}`);
  };
}

/** Listen until SIGINT/SIGTERM, then stop taking requests, close sessions and the ledger. */
export async function runHttp(deps: HttpApp): Promise<void> {
  const { config, log } = deps;
  const http = createHttpApp(deps);
  let server: Server | undefined;
  try {
    // the port first: a busy one is reported at once, before the ledger opens
    server = await listen(http.app, config.http.port, config.http.host, "set PORT");
    await deps.ledger.setWalletLimits(config.policy.walletLimits);
    if (!isLoopbackHost(config.http.host) && (await deps.ledger.listApiKeys()).every((k) => k.revokedAt !== null)) {
      throw new Error(
        `Refusing to listen on ${config.http.host} without API keys: every request needs one, so no agent could connect. Create one with \`pag0 keys create --principal <name>\`.`,
      );
    }
  } catch (e) {
    // nothing may keep the process alive after a refusal: the port, the embedded ledger's socket, the cache
    const listening = server;
    if (listening?.listening) await new Promise((resolve) => listening.close(resolve));
    await deps.cache.close().catch(() => {});
    await deps.ledger.close().catch(() => {});
    throw e;
  }
  const closeSessions = http.closeSessions;
  const { address, port } = server.address() as AddressInfo;
  log.info({ address, port, sessions: config.http.sessions, rateLimits: deps.rateCounter.store }, "pag0 http ready");
  const auth =
    config.http.auth === "none"
      ? "no API keys (--no-auth): loopback only, as the local principal, without operator scope"
      : "every request needs an API key (Authorization: Bearer pag0_...)";
  process.stderr.write(`pag0 http listening on http://${config.http.host}:${port}/mcp; ${auth}\n`);
  deps.start();
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  log.info("shutting down");
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    void closeSessions();
    server.closeIdleConnections();
  });
  await deps.stop();
}
