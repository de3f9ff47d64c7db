import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { instanceLease } from "../../src/jobs/instanceLease.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import { migratePostgres } from "../../src/ledger/migratePostgres.js";
import { openPostgres } from "../../src/ledger/postgresClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";
import { closedPort } from "../support/closedPort.js";
import { logSink } from "../support/logSink.js";
import { testReserveInput } from "../support/reserveInput.js";
import { createThrowawayDb, type ThrowawayDb } from "../support/throwawayDb.js";

// The lease job against a real Postgres ledger (and a real unreachable one): what the reconciler of any instance
// then sees in pendingOutcomes.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const withinGrace = () => new Date(Date.now() - 3_600_000);
let db: ThrowawayDb;
let ledger: Ledger;
beforeAll(async () => {
  db = await createThrowawayDb();
  const client = openPostgres(db.url);
  await migratePostgres(client.sql, MIGRATIONS_DIR);
  ledger = sqlLedger(client);
  await ledger.upsertPrincipal("lease-test", { perRequest: 100n, daily: 1_000n, monthly: 10_000n });
});
afterAll(async () => {
  await ledger?.close();
  await db?.drop();
});

async function signedWith(signer: { instance: string; leaseSeconds: number }) {
  const r = await ledger.reserve(testReserveInput("lease-test"));
  if (!r.ok) throw new Error(`not reserved: ${r.reason}`);
  const validBefore = BigInt(Math.floor(Date.now() / 1000) + 600);
  const auth = { payer: "0x1111111111111111111111111111111111111111", nonce: `0x${randomBytes(32).toString("hex")}` };
  return ledger.markSigned(r.spend.id, { ...auth, validBefore }, signer);
}

const pendingIds = async () => (await ledger.pendingOutcomes(withinGrace())).map((r) => r.id);

describe("instanceLease", () => {
  test("default: heartbeats keep a short lease fresh while running; stop gives it up", async () => {
    const { log, lines } = logSink();
    const lease = instanceLease({ store: ledger, log, heartbeatMs: 100, ttlSeconds: 1 });
    lease.start();
    const row = await signedWith(lease.signer);
    await sleep(1_500); // past the 1 s lease markSigned took: only the heartbeats keep it
    expect(await pendingIds()).not.toContain(row.id);

    await lease.stop();

    expect(await pendingIds()).toContain(row.id);
    expect(lines.filter((l) => l.includes("instance lease held"))).toHaveLength(1);
    await ledger.release(row.id, "TEST_DONE");
  });

  test("behavior: without releaseOnStop the lease outlives the stop until its ttl (the embedded ledger's way)", async () => {
    const lease = instanceLease({ store: ledger, log: logSink().log, heartbeatMs: 100, releaseOnStop: false });
    lease.start();
    const row = await signedWith(lease.signer);
    await sleep(150);
    await lease.stop();
    expect(await pendingIds()).not.toContain(row.id);
    await ledger.release(row.id, "TEST_DONE");
  });

  test("behavior: a lease that is not renewed lapses, and the rows it signed fall to the reconciler", async () => {
    const lease = instanceLease({ store: ledger, log: logSink().log, ttlSeconds: 1 }); // never started
    const row = await signedWith(lease.signer);
    expect(await pendingIds()).not.toContain(row.id);
    await sleep(1_200);
    expect(await pendingIds()).toContain(row.id);
    await ledger.release(row.id, "TEST_DONE");
  });

  test("behavior: with the ledger down it warns once, keeps trying without throwing, and stops cleanly", async () => {
    const down = sqlLedger(openPostgres(`postgres://postgres@127.0.0.1:${await closedPort()}/x`, { max: 1 }));
    const { log, lines } = logSink();
    let attempts = 0;
    const store = {
      instanceHeartbeat(id: string, ttl: number) {
        attempts++;
        return down.instanceHeartbeat(id, ttl);
      },
      instanceRelease: (id: string) => down.instanceRelease(id),
    };
    const lease = instanceLease({ store, log, heartbeatMs: 20 });
    lease.start();
    await expect.poll(() => attempts, { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
    await lease.stop();
    await down.close();

    const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ msg: "instance lease: heartbeat failed, retrying", failures: 1 });
  });
});
