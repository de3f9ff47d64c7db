import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type App, createApp } from "../../src/app.js";
import { type Config, loadConfig } from "../../src/config/loadConfig.js";
import type { BudgetLimits, Ledger } from "../../src/ledger/ledger.js";
import { createMcpServer } from "../../src/server/createMcpServer.js";
import type { World } from "../world/world.js";
import { logSink } from "./logSink.js";

export interface TestPag0Options {
  world: World;
  /** one shared ledger per test file; each TestPag0 gets its own principal on it */
  ledger: Ledger;
  principal?: string;
  limits?: Partial<BudgetLimits>;
  /** a funded payer key; omit for a Pag0 without a wallet */
  payerKey?: `0x${string}`;
  env?: Record<string, string>;
  fetch?: App["fetch"];
  /** share another Pag0's cache store (as instances sharing one Redis do); closed by its owner */
  cache?: App["cache"];
  /** more settings for the PAG0_CONFIG file (camelCase), e.g. `{ cacheRules: [...] }` */
  configFile?: Record<string, unknown>;
}

export interface TestPag0 {
  client: Client;
  /** the MCP server object the client talks to */
  server: Server;
  deps: App;
  config: Config;
  principal: string;
  /** every log line written, for secret scans */
  logs: string[];
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult & { structuredContent?: any }>;
  close(): Promise<void>;
}

let seq = 0;

/** A Pag0 wired to a local x402 world and driven by the real MCP SDK client over an in-memory transport. */
export async function startTestPag0(o: TestPag0Options): Promise<TestPag0> {
  const principal = o.principal ?? `p${process.pid}-${++seq}-${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), "pag0-test-"));
  const configFile = join(dir, "pag0.json");
  writeFileSync(configFile, JSON.stringify({ networks: [o.world.networkConfig], ...o.configFile }));
  const config = loadConfig({
    PAG0_CONFIG: configFile,
    PAG0_DATA_DIR: dir,
    PAG0_ALLOW_PRIVATE_HOSTS: "true",
    LOG_LEVEL: "debug",
    ...(o.payerKey ? { WALLET_PRIVATE_KEY: o.payerKey } : {}),
    ...o.env,
  });
  const limits = { ...config.policy.limits, ...o.limits };
  await o.ledger.upsertPrincipal(principal, limits);
  const { log, lines: logs } = logSink();
  const deps = createApp(config, log, { ledger: o.ledger, fetch: o.fetch, cache: o.cache });
  const server = createMcpServer(deps.tools, {
    instructions: deps.instructions(),
    callerOf: () => ({ principal, scopes: ["fetch"] }),
  });
  const client = new Client({ name: "pag0-test", version: "0" });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  // like a real host: the client now validates every structuredContent against the published output schemas
  await client.listTools();
  return {
    client,
    server,
    deps,
    config,
    principal,
    logs,
    call: (name, args = {}) => client.callTool({ name, arguments: args }) as never,
    async close() {
      await client.close();
      await server.close();
      await deps.savings.close();
      await deps.alerter.close();
      if (!o.cache) await deps.cache.close();
    },
  };
}
