import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { migratePostgres } from "../../src/ledger/migratePostgres.js";
import { openPostgres } from "../../src/ledger/postgresClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { type Pag0HttpProcess, startPag0HttpProcess } from "../support/pag0HttpProcess.js";
import { createThrowawayDb, type ThrowawayDb } from "../support/throwawayDb.js";
import { startWorld, type World } from "../world/world.js";

// Acceptance 6 of issue 11: an instance killed (kill -9) with signed payments in flight. Its rows are settled, or
// released, by the survivor's reconciler within 15 s of the chain's decision, and the budget they held is usable
// again by then. The signed grace (2 × the 60 s upstream timeout here) is far longer than the test: only the dead
// instance's lapsed lease can explain a decision in time.

const PRICE = 10_000n; // 0.01 USDC
const DECIDED_WITHIN_MS = 15_000;

let world: World;
let db: ThrowawayDb;
let sql: postgres.Sql;
const root = mkdtempSync(join(tmpdir(), "pag0-crash-"));
const started: Instance[] = [];
beforeAll(async () => {
  [world, db] = await Promise.all([startWorld(), createThrowawayDb()]);
  const admin = openPostgres(db.url, { max: 1 });
  await migratePostgres(admin.sql, MIGRATIONS_DIR);
  await admin.close();
  sql = postgres(db.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  for (const i of started) {
    await i.client.close().catch(() => {});
    i.child.kill("SIGKILL");
  }
  await sql?.end();
  await world?.stop();
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});

interface Instance extends Pag0HttpProcess {
  client: Client;
}

/** One keyless `pag0 http` on loopback, on the shared database, with the reconciler at its default interval. */
async function startInstance(env: Record<string, string>): Promise<Instance> {
  const dir = mkdtempSync(join(root, "i-"));
  // the default skew (60 s past validBefore by this machine's clock): an unused authorization's timely release must
  // come from the chain's clock
  writeFileSync(join(dir, "pag0.json"), JSON.stringify({ networks: [world.networkConfig] }));
  const process = await startPag0HttpProcess({
    PAG0_CONFIG: join(dir, "pag0.json"),
    PAG0_DATA_DIR: join(dir, "data"),
    PAG0_ALLOW_PRIVATE_HOSTS: "true",
    PAG0_CACHE: "false",
    PAG0_HTTP_AUTH: "none",
    PAG0_UPSTREAM_TIMEOUT_MS: "60000",
    LOG_FORMAT: "json",
    DATABASE_URL: db.url,
    ...env,
  });
  const client = new Client({ name: "crash-test", version: "0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${process.url}/mcp`)));
  const instance = { ...process, client };
  started.push(instance);
  return instance;
}

interface Row {
  status: string;
  signed_by: string | null;
  tx_hash: string | null;
  outcome_code: string | null;
  valid_before: string | null;
}
async function rowOf(url: string): Promise<Row | undefined> {
  const [row] = await sql<Row[]>`
    select status, signed_by, tx_hash, outcome_code, "authorization" ->> 'validBefore' as valid_before
      from spend_events where url = ${url}`;
  return row;
}

/** Polls until `ok`, returning when it first held (Date.now()). */
async function whenHolds(what: string, ok: () => Promise<boolean>, ms = 60_000): Promise<number> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now();
}

/** What the reconciler of `i` reports having decided, summed over its log. */
function decidedBy(i: Instance) {
  const reports = i
    .stderr()
    .split("\n")
    .filter((l) => l.includes('"reconciled payments"'))
    .map((l) => JSON.parse(l));
  return {
    settled: reports.reduce((n, r) => n + r.settled, 0),
    released: reports.reduce((n, r) => n + r.released, 0),
  };
}

describe("pag0 http: an instance killed with signed payments in flight", () => {
  test("behavior: the survivor settles or releases its rows within 15 s of the chain's decision; the budget is usable again", {
    timeout: 180_000,
  }, async () => {
    const payer = await world.newPayer();
    // room for exactly three payments of 0.01: the dead instance's two and the survivor's own
    const env = { WALLET_PRIVATE_KEY: payer.key, PAG0_MAX_PER_REQUEST: "0.01", PAG0_DAILY_BUDGET: "0.03" };
    const [victim, survivor] = await Promise.all([startInstance(env), startInstance(env)]);
    const [settlesTo, expiresTo, liveTo, laterTo] = [
      world.newAddress(),
      world.newAddress(),
      world.newAddress(),
      world.newAddress(),
    ];
    // verified, then settled on chain 3 s later whether or not the client is still there
    const settles = world.v2.route({ price: PRICE, payTo: settlesTo, delayMs: 3_000 });
    // verified, then held past its 10 s validBefore: never submitted, the authorization expires unused
    const expires = world.v2.route({ price: PRICE, payTo: expiresTo, delayMs: 30_000, maxTimeoutSeconds: 10 });
    // the survivor's own payment, in flight all along: its fresh lease keeps it from the reconciler
    const live = world.v2.route({ price: PRICE, payTo: liveTo, delayMs: 12_000 });

    // never answered: the instance dies mid-call (how its client learns that is not this test's concern)
    for (const url of [settles, expires]) {
      victim.client.callTool({ name: "paid_fetch", arguments: { url } }).catch(() => {});
    }
    const own = survivor.client.callTool({ name: "paid_fetch", arguments: { url: live } });
    await whenHolds("three signed payments", async () => {
      const rows = await Promise.all([settles, expires, live].map(rowOf));
      return rows.every((r) => r?.status === "signed");
    });
    // signed is recorded before the payment is sent: kill only once the servers hold (have verified) both payments
    await whenHolds("both payments at their server", async () =>
      [settles, expires].every((url) => world.v2.stats(url).handled === 1),
    );
    const [s, e, l] = await Promise.all([settles, expires, live].map(rowOf));
    if (!s || !e || !l) throw new Error("a signed row went missing");
    expect(s.signed_by).toBe(e.signed_by);
    expect(l.signed_by).not.toBe(s.signed_by);

    victim.child.kill("SIGKILL");

    // the dead instance's holds still block the budget: a payment that needs them is refused for now
    const later = world.v2.route({ price: PRICE, payTo: laterTo });
    const refused = (await survivor.client.callTool({ name: "paid_fetch", arguments: { url: later } })) as any;
    expect(refused.structuredContent?.error?.code, JSON.stringify(refused)).toBe("BUDGET_EXCEEDED");

    // settled: the chain decides when the server's settlement lands; the ledger follows within 15 s
    await whenHolds("the settlement on chain", async () => (await world.balanceOf(settlesTo)) === PRICE);
    const statusOf = async (url: string) => (await rowOf(url))?.status;
    await expect.poll(() => statusOf(settles), { timeout: DECIDED_WITHIN_MS, interval: 100 }).toBe("settled");
    const settlement = world.settlements.find((x) => x.payTo.toLowerCase() === settlesTo.toLowerCase());
    expect(settlement?.success).toBe(true);
    const settledRow = await rowOf(settles);
    expect(settledRow?.tx_hash).toBe(settlement?.transaction);
    const receipt = await world.publicClient.getTransactionReceipt({ hash: settledRow?.tx_hash as `0x${string}` });
    expect(receipt.status).toBe("success");

    // released: the chain decides at validBefore, when the unused authorization can no longer move money
    const expiredAt = Number(e.valid_before) * 1000;
    const releasedBy = expiredAt + DECIDED_WITHIN_MS - Date.now();
    // a live chain keeps mining; this local one mines only on transactions, so mine a block a second meanwhile
    const mining = setInterval(() => void world.rpc("evm_mine").catch(() => {}), 1_000);
    try {
      await expect.poll(() => statusOf(expires), { timeout: Math.max(releasedBy, 1), interval: 100 }).toBe("released");
    } finally {
      clearInterval(mining);
    }
    expect(await rowOf(expires)).toMatchObject({ outcome_code: "AUTHORIZATION_EXPIRED", tx_hash: null });
    expect(await world.balanceOf(expiresTo)).toBe(0n);

    // the hold it gave back pays at once: the survivor's own payment settled too, by its own pipeline
    const paid = (await survivor.client.callTool({ name: "paid_fetch", arguments: { url: later } })) as any;
    expect(paid.isError).toBeFalsy();
    expect(await world.balanceOf(laterTo)).toBe(PRICE);
    expect(((await own) as any).isError).toBeFalsy();
    expect(await world.balanceOf(liveTo)).toBe(PRICE);
    expect((await rowOf(live))?.status).toBe("settled");
    expect(decidedBy(survivor)).toEqual({ settled: 1, released: 1 }); // the dead one's two, not its own
    expect(await world.balanceOf(payer.address)).toBe(100_000_000n - 3n * PRICE);
  });
});
