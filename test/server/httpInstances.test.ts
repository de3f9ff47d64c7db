import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { migratePostgres } from "../../src/ledger/migratePostgres.js";
import { openPostgres } from "../../src/ledger/postgresClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { expectPaidExactly } from "../support/expectPaidExactly.js";
import { type Pag0HttpProcess, startPag0HttpProcess } from "../support/pag0HttpProcess.js";
import { createThrowawayDb, type ThrowawayDb } from "../support/throwawayDb.js";
import { startWorld, type World } from "../world/world.js";

// Production: several `pag0 http` instances (Fly.io machines) on one Postgres hold one budget.
const PRICE = 10_000n; // 0.01 USDC
const LEADER = "this instance runs the reconciler";

let world: World;
let db: ThrowawayDb;
const root = mkdtempSync(join(tmpdir(), "pag0-instances-"));
const instances: Instance[] = [];
beforeAll(async () => {
  [world, db] = await Promise.all([startWorld(), createThrowawayDb()]);
  const admin = openPostgres(db.url, { max: 1 });
  await migratePostgres(admin.sql, MIGRATIONS_DIR); // what `pag0 migrate` does before a deploy
  await admin.close();
});
afterAll(async () => {
  for (const i of instances) {
    await i.client?.close().catch(() => {});
    i.child.kill("SIGKILL");
  }
  await world?.stop();
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});

interface Instance extends Pag0HttpProcess {
  client?: Client;
}

/** One `pag0 http` process on 127.0.0.1 without API keys (the explicit switch: the local principal), on the shared database. */
async function startInstance(env: Record<string, string>): Promise<Instance> {
  const dir = mkdtempSync(join(root, "i-"));
  writeFileSync(join(dir, "pag0.json"), JSON.stringify({ networks: [world.networkConfig] }));
  const instance: Instance = await startPag0HttpProcess({
    PAG0_CONFIG: join(dir, "pag0.json"),
    PAG0_DATA_DIR: join(dir, "data"),
    PAG0_ALLOW_PRIVATE_HOSTS: "true",
    PAG0_CACHE: "false", // every call reaches the paid API
    PAG0_HTTP_AUTH: "none",
    DATABASE_URL: db.url,
    ...env,
  });
  const { url } = instance;
  instances.push(instance);
  const client = new Client({ name: "instances-test", version: "0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  instance.client = client;
  return instance;
}

const leads = (i: Instance) => i.stderr().split(LEADER).length - 1;

async function until(what: string, ok: () => boolean, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("pag0 http: three instances on one Postgres", () => {
  test("behavior: 150 concurrent paid calls across them with a budget for 10 pay exactly 10; one reconciler", {
    timeout: 300_000,
  }, async () => {
    const payer = await world.newPayer();
    const env = {
      WALLET_PRIVATE_KEY: payer.key,
      PAG0_MAX_PER_REQUEST: "0.01",
      PAG0_DAILY_BUDGET: "0.10",
      PAG0_RECONCILE_INTERVAL_MS: "200",
      PAG0_RATE_LIMIT_PER_MINUTE: "1000", // the instances share one limit: 150 calls must not reach it
    };
    const three = await Promise.all([startInstance(env), startInstance(env), startInstance(env)]);
    const payTo = world.newAddress();
    const url = world.v2.route({ price: PRICE, payTo });

    const results = (await Promise.all(
      Array.from({ length: 150 }, (_, i) => three[i % 3]!.client!.callTool({ name: "paid_fetch", arguments: { url } })),
    )) as any[];

    await expectPaidExactly(world, results, { count: 10, price: PRICE, payTo, payer: payer.address });
    for (const i of three) {
      const budget = (await i.client!.callTool({ name: "get_budget", arguments: {} })) as any;
      expect(budget.structuredContent.spent.today).toBe("0.10");
    }

    // the reconciler: one instance took its advisory lock; the others stand by, tick after tick
    await until("a reconciler leader", () => three.some((i) => leads(i) > 0));
    await new Promise((r) => setTimeout(r, 2000)); // ten more ticks of every instance
    expect(three.map(leads).sort()).toEqual([0, 0, 1]);

    // when the leader stops, another instance takes the job over
    const leader = three.find((i) => leads(i) > 0)!;
    leader.child.kill("SIGTERM");
    await once(leader.child, "exit");
    const rest = three.filter((i) => i !== leader);
    await until("another leader", () => rest.some((i) => leads(i) > 0));
    await new Promise((r) => setTimeout(r, 1000));
    expect(rest.map(leads).sort()).toEqual([0, 1]);
  });
});
