import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Deps } from "../deps.js";
import { LOCAL_PRINCIPAL } from "../deps.js";
import { createMcpServer } from "./createMcpServer.js";

/**
 * Serve one local user over stdio until the client closes stdin. stdout carries protocol messages only. The ledger
 * opens and the background jobs start once the client is initialized, so that `initialize` is answered first.
 */
export async function runStdio(deps: Deps): Promise<void> {
  const server = createMcpServer(deps, () => ({ principal: LOCAL_PRINCIPAL, scopes: ["operator"] }));
  const transport = new StdioServerTransport();
  server.server.oninitialized = () => deps.start();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once("end", resolve);
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.connect(transport);
  deps.log.info({ wallet: deps.wallet?.address ?? null }, "pag0 stdio ready");
  await closed;
  await server.close().catch(() => {});
  await deps.stop();
}
