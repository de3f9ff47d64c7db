import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { migratePostgres } from "../../src/ledger/migratePostgres.js";
import { openPostgres } from "../../src/ledger/postgresClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { createLogger } from "../../src/logger.js";
import { createMcpServer } from "../../src/server/createMcpServer.js";
import { LOCAL_PRINCIPAL } from "../../src/tools/defineTool.js";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.js";
import { createThrowawayDb, type ThrowawayDb } from "../support/throwawayDb.js";
import { startWorld, type World } from "../world/world.js";

// Invariant 4 (fail closed for money) on a Postgres ledger that goes away and comes back.
const PRICE = 10_000n;

const LEDGER_TIMEOUT_MS = 3_000;
let world: World;
let db: ThrowawayDb;
let proxy: TcpProxy;
let deps: App;
let client: Client;
const dir = mkdtempSync(join(tmpdir(), "pag0-outage-"));

beforeAll(async () => {
  [world, db] = await Promise.all([startWorld(), createThrowawayDb()]);
  const admin = openPostgres(db.url, { max: 1 });
  await migratePostgres(admin.sql, MIGRATIONS_DIR);
  await admin.close();
  proxy = await startTcpProxy(5432); // Pag0 reaches Postgres only through this, so the test can "stop" it
  writeFileSync(join(dir, "pag0.json"), JSON.stringify({ networks: [world.networkConfig] }));
  const payer = await world.newPayer();
  const config = loadConfig({
    PAG0_CONFIG: join(dir, "pag0.json"),
    PAG0_DATA_DIR: dir,
    PAG0_ALLOW_PRIVATE_HOSTS: "true",
    PAG0_CACHE: "false",
    WALLET_PRIVATE_KEY: payer.key,
    DATABASE_URL: db.url.replace(":5432/", `:${proxy.port}/`),
    PAG0_LEDGER_TIMEOUT_MS: String(LEDGER_TIMEOUT_MS),
  });
  deps = createApp(config, createLogger("silent"));
  const server = createMcpServer(deps.tools, {
    instructions: deps.instructions(),
    callerOf: () => ({ principal: LOCAL_PRINCIPAL, scopes: ["operator"] }),
  });
  client = new Client({ name: "outage-test", version: "0" });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(b), client.connect(a)]);
});
afterAll(async () => {
  await client?.close();
  await deps?.ledger.close();
  await proxy?.close();
  await db?.drop();
  await world?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const call = (args: Record<string, unknown>) =>
  client.callTool({ name: "paid_fetch", arguments: args }) as Promise<any>;

describe("paid_fetch with the Postgres ledger down", () => {
  test("behavior: LEDGER_UNAVAILABLE and no signature while it is down; paying again once it is back, no restart", async () => {
    const payTo = world.newAddress();
    const url = world.v2.route({ price: PRICE, payTo });
    expect((await call({ url })).isError).toBeFalsy();
    expect(deps.wallet?.signatureCount).toBe(1);

    await proxy.cut();
    const down = await Promise.all([call({ url }), call({ url }), call({ url })]);
    for (const r of down) {
      expect(r.isError).toBe(true);
      expect(r.structuredContent.error.code).toBe("LEDGER_UNAVAILABLE");
      expect(JSON.stringify(r.structuredContent)).not.toContain("postgres://");
    }
    expect(deps.wallet?.signatureCount).toBe(1); // nothing was signed
    expect(await world.balanceOf(payTo)).toBe(PRICE);
    const free = await call({ url: world.v2.route({ free: true }) });
    expect(free.isError, JSON.stringify(free.structuredContent)).toBeFalsy(); // free calls need no ledger

    await proxy.restore();
    const back = await call({ url });
    expect(back.isError, JSON.stringify(back.structuredContent)).toBeFalsy();
    expect(deps.wallet?.signatureCount).toBe(2);
    expect(await world.balanceOf(payTo)).toBe(2n * PRICE);
  });

  test("behavior: a ledger that keeps its sockets open but answers nothing: paid calls fail closed, free calls answer, both within the deadline", async () => {
    const url = world.v2.route({ price: PRICE });
    const freeUrl = world.v2.route({ free: true });
    expect((await call({ url, cache: "bypass" })).isError).toBeFalsy(); // the pool's connections are open
    const signatures = deps.wallet?.signatureCount;

    proxy.stall();
    await new Promise((r) => setTimeout(r, 1_100)); // past the 1 s budget snapshot: the free call must ask the ledger
    try {
      const timed = async (args: Record<string, unknown>) => {
        const t0 = performance.now();
        const r = await call(args);
        return { r, ms: performance.now() - t0 };
      };
      const [paid, free] = await Promise.all([timed({ url, cache: "bypass" }), timed({ url: freeUrl })]);
      expect(paid.r.structuredContent.error?.code).toBe("LEDGER_UNAVAILABLE");
      expect(paid.ms).toBeLessThan(LEDGER_TIMEOUT_MS + 1_000);
      expect(free.r.isError, JSON.stringify(free.r.structuredContent)).toBeFalsy();
      expect(free.r.structuredContent).toMatchObject({ status: 200, budget: null });
      expect(free.ms).toBeLessThan(LEDGER_TIMEOUT_MS + 1_000);
      expect(deps.wallet?.signatureCount).toBe(signatures); // nothing was signed
    } finally {
      await proxy.restore();
    }
    const back = await call({ url, cache: "bypass" });
    expect(back.isError, JSON.stringify(back.structuredContent)).toBeFalsy();
  });
});
