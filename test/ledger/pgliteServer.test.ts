import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type PgliteServer, servePglite } from "../../src/ledger/pgliteServer.js";

const dir = mkdtempSync(join(tmpdir(), "pag0-pgserve-"));
let db: PGlite;
let server: PgliteServer;
let pools: postgres.Sql[];

beforeAll(async () => {
  db = await PGlite.create();
  server = await servePglite(db, join(dir, "ledger.sock"), { holdLimitMs: 1000 });
  // three pools stand for three Pag0 processes: each has its own connections into the one shared backend
  pools = [0, 1, 2].map(() => postgres({ path: server.path, max: 4, onnotice: () => {} }));
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await server.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("servePglite", () => {
  test("default: the socket is for this user only", () => {
    expect(statSync(server.path).mode & 0o777).toBe(0o600);
  });

  test("behavior: 600 concurrent parameterised queries from three pools each get their own answer", async () => {
    // pglite-socket's own queue gets most of these wrong: it interleaves clients message by message
    const answers = await Promise.all(
      Array.from({ length: 600 }, async (_, i) => {
        const [row] = await pools[i % 3]!.unsafe(`select $1::int + ${i % 7} as v, $2::text as t`, [i, `x${i}`]);
        return row?.v === i + (i % 7) && row?.t === `x${i}`;
      }),
    );
    expect(answers.filter((ok) => !ok)).toHaveLength(0);
  });

  test("behavior: a transaction block keeps the backend; nothing of another client runs inside it", async () => {
    await pools[0]!`create table if not exists t_iso (n int)`;
    const order: string[] = [];
    const tx = pools[0]!.begin(async (sql) => {
      await sql`insert into t_iso values (1)`;
      order.push("tx:inserted");
      await new Promise((r) => setTimeout(r, 200));
      await sql`insert into t_iso values (2)`;
      order.push("tx:done");
    });
    await new Promise((r) => setTimeout(r, 50));
    const seen = pools[1]!`select count(*)::int as n from t_iso`.then(([r]) => {
      order.push("other");
      return r?.n;
    });
    await tx;
    expect(await seen).toBe(2); // it ran after the commit, never between the two inserts
    expect(order).toEqual(["tx:inserted", "tx:done", "other"]);
  });

  test("behavior: a failing query does not disturb a concurrent one; the owner's own work runs between units", async () => {
    const [failed, ok, local] = await Promise.allSettled([
      pools[0]!.unsafe("select no_such_function($1)", [1]),
      pools[1]!.unsafe("select $1::int as v", [5]),
      server.exclusive(() => db.query<{ v: number }>("select 7 as v")),
    ]);
    expect(failed).toMatchObject({ status: "rejected", reason: { code: "42883" } });
    expect(ok).toMatchObject({ status: "fulfilled", value: [{ v: 5 }] });
    expect(local).toMatchObject({ status: "fulfilled", value: { rows: [{ v: 7 }] } });
  });

  test("behavior: a client that disconnects inside a transaction is rolled back and frees the backend", async () => {
    const quitter = postgres({ path: server.path, max: 1, onnotice: () => {} });
    await quitter`create table if not exists t_quit (n int)`;
    const conn = await quitter.reserve();
    await conn`begin`;
    await conn`insert into t_quit values (1)`;
    await quitter.end({ timeout: 0 });
    const [row] = await pools[2]!`select count(*)::int as n from t_quit`;
    expect(row?.n).toBe(0);
  });

  test("behavior: a client that stalls inside a transaction is cut off, and the others go on", async () => {
    const stalled = postgres({ path: server.path, max: 1, onnotice: () => {} });
    await stalled`create table if not exists t_stall (n int)`;
    const conn = await stalled.reserve();
    await conn`begin`;
    await conn`insert into t_stall values (1)`; // ... and then nothing, like a suspended process
    const [row] = await pools[0]!`select count(*)::int as n from t_stall`; // waits until it is cut off
    expect(row?.n).toBe(0); // its insert was rolled back
    await stalled.end({ timeout: 0 });
  });
});
