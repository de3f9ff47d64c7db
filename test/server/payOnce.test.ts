import { type ChildProcess, execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { migratePostgres } from "../../src/ledger/migratePostgres.js";
import { openPostgres } from "../../src/ledger/postgresClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";
import { hashApiKey, newApiKey } from "../../src/server/apiKeys.js";
import { startPag0HttpProcess } from "../support/pag0HttpProcess.js";
import { startHttpPag0 } from "../support/testHttpPag0.js";
import { openTestLedger } from "../support/testLedger.js";
import { createThrowawayDb, type ThrowawayDb } from "../support/throwawayDb.js";
import { startWorld, type World } from "../world/world.js";

// Invariant 5: identical concurrent paid calls of one principal pay once, however they arrive.
const PRICE = 10_000n;
const BURST = 20;
const SALT = "pay-once-salt-0123456789abcdef";

let world: World;
let db: ThrowawayDb;
const root = mkdtempSync(join(tmpdir(), "pag0-pay-once-"));
const children: ChildProcess[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  [world, db] = await Promise.all([startWorld(), createThrowawayDb()]);
  const admin = openPostgres(db.url, { max: 1 });
  await migratePostgres(admin.sql, MIGRATIONS_DIR);
  await admin.close();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  for (const c of children) c.kill("SIGKILL");
  await world?.stop();
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});

async function connect(url: string, key: string): Promise<Client> {
  const client = new Client({ name: "pay-once-test", version: "0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    }),
  );
  clients.push(client);
  return client;
}

/** A cacheable paid route, slow enough that a burst of identical calls overlaps the first payment. */
function cacheableRoute() {
  const payTo = world.newAddress();
  const url = world.v2.route({ price: PRICE, payTo, headers: { "cache-control": "max-age=3600" }, delayMs: 300 });
  return { url, payTo };
}

async function expectPaidOnce(results: any[], route: { url: string; payTo: `0x${string}` }) {
  for (const r of results) expect(r.isError, JSON.stringify(r.structuredContent)).toBeFalsy();
  expect(results.filter((r) => r.structuredContent.payment !== null)).toHaveLength(1);
  expect(results.filter((r) => r.structuredContent.cached === true)).toHaveLength(BURST - 1);
  expect(world.v2.stats(route.url).settled).toBe(1);
  expect(await world.balanceOf(route.payTo)).toBe(PRICE);
}

describe("pay once for the same data", () => {
  test("behavior: 20 identical paid GETs as 20 stateless HTTP requests pay once on chain", async () => {
    const payer = await world.newPayer();
    const ledger = await openTestLedger();
    const pag0 = await startHttpPag0({ world, ledger, payerKey: payer.key, env: { PAG0_HTTP_SESSIONS: "false" } });
    try {
      const key = await pag0.key("stateless-agent", ["fetch", "read"]);
      const route = cacheableRoute();
      const agents = await Promise.all(Array.from({ length: BURST }, () => connect(pag0.url, key)));
      const results = await Promise.all(
        agents.map((c) => c.callTool({ name: "paid_fetch", arguments: { url: route.url } })),
      );
      await expectPaidOnce(results, route);
    } finally {
      await pag0.close();
      await ledger.close();
    }
  });

  test("behavior: 20 identical paid GETs over 4 stateful sessions pay once on chain", async () => {
    const payer = await world.newPayer();
    const ledger = await openTestLedger();
    const pag0 = await startHttpPag0({ world, ledger, payerKey: payer.key });
    try {
      const key = await pag0.key("session-agent", ["fetch", "read"]);
      const route = cacheableRoute();
      const sessions = await Promise.all(Array.from({ length: 4 }, () => connect(pag0.url, key)));
      const results = await Promise.all(
        Array.from({ length: BURST }, (_, i) =>
          sessions[i % 4]!.callTool({ name: "paid_fetch", arguments: { url: route.url } }),
        ),
      );
      await expectPaidOnce(results, route);
    } finally {
      await pag0.close();
      await ledger.close();
    }
  });

  test("behavior: 20 identical paid GETs spread over 2 instances on one Postgres and Redis pay once on chain; a revoked key is refused within a second", {
    timeout: 120_000,
  }, async () => {
    const payer = await world.newPayer();
    const env = {
      WALLET_PRIVATE_KEY: payer.key,
      DATABASE_URL: db.url,
      API_KEY_SALT: SALT,
      REDIS_URL: "redis://127.0.0.1:6379",
      PAG0_CACHE_PREFIX: `pag0-test:${randomUUID()}:`,
    };
    const ledger = sqlLedger(openPostgres(db.url, { max: 2 }));
    const { id, key } = newApiKey();
    try {
      await ledger.upsertPrincipal("fleet-agent", { perRequest: 100_000n, daily: 1_000_000n, monthly: 10_000_000n });
      await ledger.createApiKey({ id, principal: "fleet-agent", keyHash: hashApiKey(key, SALT), scopes: ["fetch"] });
      const urls = (await Promise.all([startInstance(env), startInstance(env)])).map((i) => i.url);
      const agents = await Promise.all(Array.from({ length: BURST }, (_, i) => connect(urls[i % 2]!, key)));
      const route = cacheableRoute();
      const results = await Promise.all(
        agents.map((c) => c.callTool({ name: "paid_fetch", arguments: { url: route.url } })),
      );
      await expectPaidOnce(results, route);

      // the key was just verified on both instances; `pag0 keys revoke` from an operator's terminal
      await promisify(execFile)(process.execPath, ["--import", "tsx", "src/cli.ts", "keys", "revoke", id], {
        env: { PATH: process.env.PATH ?? "", DATABASE_URL: db.url, API_KEY_SALT: SALT, LOG_LEVEL: "silent" },
      });
      const revokedAt = performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, 1_000 - (performance.now() - revokedAt))));
      for (const url of urls) {
        const res = await fetch(`${url}/mcp`, {
          method: "POST",
          headers: {
            Authorization: `Bearer ${key}`,
            "Content-Type": "application/json",
            Accept: "application/json, text/event-stream",
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        });
        expect(res.status).toBe(401);
      }
    } finally {
      await ledger.close();
    }
  });
});

/** One `pag0 http` process, stateless, with `env` (its shared stores). */
async function startInstance(env: Record<string, string>) {
  const dir = mkdtempSync(join(root, "i-"));
  writeFileSync(join(dir, "pag0.json"), JSON.stringify({ networks: [world.networkConfig] }));
  const instance = await startPag0HttpProcess({
    PAG0_CONFIG: join(dir, "pag0.json"),
    PAG0_DATA_DIR: join(dir, "data"),
    PAG0_ALLOW_PRIVATE_HOSTS: "true",
    PAG0_HTTP_SESSIONS: "false",
    LOG_LEVEL: "warn",
    ...env,
  });
  children.push(instance.child);
  return instance;
}

describe("stateless pag0 http, an instance dying mid-call", () => {
  test("behavior: the client gets an error within 5 s, not at its own timeout", { timeout: 60_000 }, async () => {
    const payer = await world.newPayer();
    const instance = await startInstance({ PAG0_HTTP_AUTH: "none", WALLET_PRIVATE_KEY: payer.key });
    const client = new Client({ name: "dying-test", version: "0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${instance.url}/mcp`)));
    clients.push(client);
    const slow = world.v2.route({ free: true, delayMs: 20_000 });
    const pending = client.callTool({ name: "paid_fetch", arguments: { url: slow } }, undefined, { timeout: 60_000 });
    await new Promise((r) => setTimeout(r, 500)); // the call is in flight at the upstream
    const killedAt = performance.now();
    instance.child.kill("SIGKILL");
    await expect(pending).rejects.toThrow();
    expect(performance.now() - killedAt).toBeLessThan(5_000);
  });
});
