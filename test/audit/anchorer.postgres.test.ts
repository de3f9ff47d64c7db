import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Anchorer, createAnchorer } from "../../src/audit/anchorer.js";
import { paymentAuditLogAbi } from "../../src/audit/paymentAuditLogAbi.js";
import { postgresAdvisoryLock } from "../../src/jobs/jobLock.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import { migratePostgres } from "../../src/ledger/migratePostgres.js";
import { openPostgres } from "../../src/ledger/postgresClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";
import { createLogger } from "../../src/logger.js";
import { AUDIT_CHAIN_ID, type AuditChain, startAuditChain } from "./auditChain.js";
import { auditPrincipal, settledPayment } from "./ledgerReceipts.js";

// A throwaway database on the machine's Postgres 15 (127.0.0.1:5432, trust auth), dropped afterwards.
const ADMIN_URL = process.env.PAG0_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `pag0_audit_${randomUUID().replaceAll("-", "")}`;
const dbUrl = (() => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

let admin: postgres.Sql;
let audit: AuditChain;
const ledgers: Ledger[] = [];

beforeAll(async () => {
  admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const migrator = openPostgres(dbUrl);
  await migratePostgres(migrator.sql);
  await migrator.close();
  audit = await startAuditChain();
});
afterAll(async () => {
  await Promise.all(ledgers.map((l) => l.close()));
  await audit?.stop();
  await admin?.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin?.end();
});

/** One Pag0 instance's view: its own pool, its own lock connection, its own anchorer. */
function instance(name: string) {
  const ledger = sqlLedger(openPostgres(dbUrl, { max: 4 }));
  ledgers.push(ledger);
  const broadcasts: bigint[] = [];
  const anchorer: Anchorer = createAnchorer({
    store: ledger,
    client: audit.client,
    chainId: AUDIT_CHAIN_ID,
    contract: audit.contract,
    signer: audit.operator,
    lock: postgresAdvisoryLock(dbUrl),
    log: createLogger("silent").child({ instance: name }),
    batchSize: 4,
    batchIntervalMs: 200,
    feedbackEvents: false,
    afterBroadcast: (b) => {
      broadcasts.push(b.batchId);
    },
  });
  return { ledger, anchorer, broadcasts };
}

/** Raw rows of the test database. */
async function sqlRows(text: string): Promise<{ seq: string }[]> {
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    return await sql.unsafe<{ seq: string }[]>(text);
  } finally {
    await sql.end();
  }
}

async function untilDrained(ledger: Ledger, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const q = await ledger.auditQueued(0);
    if (q.queued === 0 && !q.inFlight) return;
    if (Date.now() > deadline)
      throw new Error(`not drained: ${JSON.stringify(q, (_k, v) => (typeof v === "bigint" ? `${v}` : v))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("anchorer on a shared Postgres", () => {
  test("behavior: two instances on one Postgres: exactly one anchors, the other takes over when it stops, seq stays gapless", async () => {
    const a = instance("a");
    const b = instance("b");
    const principal = await auditPrincipal(a.ledger);
    a.anchorer.start();
    b.anchorer.start();

    // both instances take payments while both anchorers run
    for (let i = 0; i < 12; i++) await settledPayment(i % 2 ? b.ledger : a.ledger, principal);
    await untilDrained(a.ledger);
    const [leader, standby] = a.broadcasts.length > 0 ? [a, b] : [b, a];
    expect(leader.broadcasts.length).toBeGreaterThan(0);
    expect(standby.broadcasts).toEqual([]);

    // the leader stops (its lock goes with its connection): the standby carries on from where it left off
    await leader.anchorer.stop();
    for (let i = 0; i < 6; i++) await settledPayment(standby.ledger, principal);
    await untilDrained(standby.ledger);
    await standby.anchorer.stop();
    expect(standby.broadcasts.length).toBeGreaterThan(0);
    expect(standby.broadcasts[0]).toBe((leader.broadcasts.at(-1) as bigint) + 1n);

    const rows = await sqlRows("select o.seq::text as seq from audit_outbox o order by o.seq");
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    const [lastBatchId, lastSeq] = await audit.client.readContract({
      address: audit.contract,
      abi: paymentAuditLogAbi,
      functionName: "head",
    });
    expect(lastSeq).toBe(18n);
    const events = await audit.client.getContractEvents({
      address: audit.contract,
      abi: paymentAuditLogAbi,
      eventName: "BatchAnchored",
      fromBlock: 0n,
    });
    expect(events.map((e) => e.args.batchId)).toEqual(
      Array.from({ length: Number(lastBatchId) }, (_, i) => BigInt(i + 1)),
    );
    // every broadcast was a distinct batch: nobody sent a batch the other had sent
    expect(new Set([...a.broadcasts, ...b.broadcasts]).size).toBe(a.broadcasts.length + b.broadcasts.length);
  });

  test("behavior: the advisory lock has one holder at a time and is freed with its connection", async () => {
    const one = postgresAdvisoryLock(dbUrl);
    const two = postgresAdvisoryLock(dbUrl);
    try {
      expect(await one.acquire()).toBe(true);
      expect(await one.acquire()).toBe(true); // still held, not stacked
      expect(await two.acquire()).toBe(false);
      await one.release();
      expect(await two.acquire()).toBe(true);
    } finally {
      await one.release();
      await two.release();
    }
  });
});
