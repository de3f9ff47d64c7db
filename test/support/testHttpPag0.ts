import { mkdtempSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, type ClientOptions } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type App, createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import type { Scope } from "../../src/ledger/accessStore.js";
import type { BudgetLimits, Ledger } from "../../src/ledger/ledger.js";
import { createLogger } from "../../src/logger.js";
import { hashApiKey, newApiKey } from "../../src/server/apiKeys.js";
import { createHttpApp } from "../../src/server/http.js";
import type { World } from "../world/world.js";

const SALT = "test-salt-0123456789abcdef";

export interface HttpPag0 {
  url: string;
  deps: App;
  /** a new principal (or existing) with these limits and a key with these scopes */
  key(principal: string, scopes: Scope[], limits?: Partial<BudgetLimits>): Promise<string>;
  /** the real MCP SDK client over streamable HTTP, connected with `key` */
  client(key: string, options?: ClientOptions): Promise<Client>;
  close(): Promise<void>;
}

/** `pag0 http`'s app on 127.0.0.1:0 with its own principals and keys, paying on `world`. */
export async function startHttpPag0(o: {
  world: World;
  ledger: Ledger;
  payerKey?: `0x${string}`;
  env?: Record<string, string>;
}): Promise<HttpPag0> {
  const dir = mkdtempSync(join(tmpdir(), "pag0-http-"));
  writeFileSync(join(dir, "pag0.json"), JSON.stringify({ networks: [o.world.networkConfig] }));
  const config = loadConfig({
    PAG0_CONFIG: join(dir, "pag0.json"),
    PAG0_DATA_DIR: dir,
    PAG0_ALLOW_PRIVATE_HOSTS: "true",
    API_KEY_SALT: SALT,
    PORT: "0",
    ...(o.payerKey ? { WALLET_PRIVATE_KEY: o.payerKey } : {}),
    ...o.env,
  });
  const deps = createApp(config, createLogger("warn"), { ledger: o.ledger });
  const { app, closeSessions } = createHttpApp(deps);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: Client[] = [];
  return {
    url,
    deps,
    async key(principal, scopes, limits) {
      await o.ledger.upsertPrincipal(principal, { ...config.policy.limits, ...limits });
      const { id, key } = newApiKey();
      await o.ledger.createApiKey({ id, principal, keyHash: hashApiKey(key, SALT), scopes });
      return key;
    },
    async client(key, options) {
      const client = new Client({ name: "http-test", version: "0" }, options);
      const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${key}` } },
      });
      await client.connect(transport);
      await client.listTools(); // like a host: results are now validated against the output schemas
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await closeSessions();
      await deps.savings.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
