import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Logger } from "../logger.js";
import { LOCAL_PRINCIPAL } from "../tools/defineTool.js";
import { createMcpServer } from "./createMcpServer.js";
import type { ToolSeam } from "./toolSeam.js";

/** What `pag0 stdio` serves: the app's prepared tools, and its lifecycle. */
export interface StdioApp {
  tools: ToolSeam;
  instructions(): string;
  log: Logger;
  wallet: { address: string } | null;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Serve one local user over stdio until the client closes stdin. stdout carries protocol messages only. The ledger
 * opens and the background jobs start once the client is initialized, so that `initialize` is answered first.
 */
export async function runStdio(app: StdioApp): Promise<void> {
  const server = createMcpServer(app.tools, {
    instructions: app.instructions(),
    callerOf: () => ({ principal: LOCAL_PRINCIPAL, scopes: ["operator"] }),
  });
  const transport = new StdioServerTransport();
  server.oninitialized = () => app.start();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once("end", resolve);
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.connect(transport);
  app.log.info({ wallet: app.wallet?.address ?? null }, "pag0 stdio ready");
  await closed;
  await server.close().catch(() => {});
  await app.stop();
}
