import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { lazy, loadedValue } from "../lazy.js";
import type { Logger } from "../logger.js";
import { LOCAL_PRINCIPAL } from "../tools/defineTool.js";
import { createMcpServer } from "./createMcpServer.js";
import type { ToolSeam } from "./toolSeam.js";

/** What `pag0 stdio` serves: the app's prepared tools, and its lifecycle. */
export interface StdioApp {
  tools: ToolSeam;
  start(): void;
  stop(): Promise<void>;
}

export interface StdioOptions {
  /** what the model reads at `initialize` (known from config alone) */
  instructions: string;
  log: Logger;
}

/**
 * Serve one local user over stdio until the client closes stdin. stdout carries protocol messages only.
 * `initialize` is answered before the app is built: `build` runs once the client is initialized (or at the first
 * request that needs the tools), then opens the ledger and starts the background jobs.
 */
export async function runStdio(build: () => Promise<StdioApp>, options: StdioOptions): Promise<void> {
  const app = lazy(async () => {
    const built = await build();
    built.start();
    return built;
  });
  const server = createMcpServer(async () => (await app()).tools, {
    instructions: options.instructions,
    callerOf: () => ({ principal: LOCAL_PRINCIPAL, scopes: ["operator"] }),
  });
  const transport = new StdioServerTransport();
  server.oninitialized = () => {
    options.log.info("pag0 stdio initialized by its client");
    app().catch((err) => options.log.error({ err }, "pag0 could not start"));
  };
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once("end", resolve);
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.connect(transport);
  await closed;
  await server.close().catch(() => {});
  await (await loadedValue(app))?.stop();
}
