import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  buildInChild,
  defaultSnapshotDir,
  findOrBuildSnapshot,
  snapshotFile,
  snapshotKey,
} from "../../src/ledger/ledgerSnapshot.js";
import { migratePglite, openPglite } from "../../src/ledger/pgliteClient.js";
import { defaultMigrationsDir, type Migration, readMigrations } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";

const root = mkdtempSync(join(tmpdir(), "pag0-snapshot-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const fresh = (name = "dir") => join(root, `${name}-${++dirs}`);

/** The package's migrations plus one more, as the next release would ship them. */
function nextRelease(): string {
  const dir = fresh("migrations");
  cpSync(defaultMigrationsDir(), dir, { recursive: true });
  writeFileSync(join(dir, "29991231000000_next_release.sql"), "create table next_release (id int);\n");
  return dir;
}

let migrations: Migration[];
beforeAll(async () => {
  migrations = await readMigrations(defaultMigrationsDir());
});

// PGlite's initdb instantiates three WASM modules (a second PGlite for the bootstrap, and initdb itself); opening
// a data dir instantiates one. Counted here, in the process that opens the ledger.
// (the project's lib has no WebAssembly types)
const wasm = (globalThis as unknown as { WebAssembly: { instantiate: (...args: unknown[]) => unknown } }).WebAssembly;
const instantiate = wasm.instantiate;
let instantiated = 0;
beforeEach(() => {
  instantiated = 0;
  wasm.instantiate = (...args: unknown[]) => {
    instantiated++;
    return instantiate(...args);
  };
});
afterEach(() => {
  wasm.instantiate = instantiate;
});

/** Everything the rest of the code can see of a database's schema and bookkeeping. */
async function shape(db: PGlite) {
  const rows = async (sql: string) => (await db.query(sql)).rows;
  return {
    functions: await rows(`select p.proname, pg_get_function_identity_arguments(p.oid) as args,
        pg_get_function_result(p.oid) as result, md5(p.prosrc) as body, p.prosecdef
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' order by 1, 2`),
    columns: await rows(`select table_name, column_name, data_type, column_default, is_nullable
      from information_schema.columns where table_schema = 'public' order by 1, 2`),
    constraints: await rows(`select conrelid::regclass::text as rel, conname, pg_get_constraintdef(oid) as def
      from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2`),
    indexes: await rows("select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1"),
    migrations: await rows("select name, checksum from _migrations order by name"),
    rows: await rows(`select relname, n_live_tup from pg_stat_user_tables order by 1`),
  };
}

describe("ledger snapshot", () => {
  test("default: a new data dir is made from the snapshot, indistinguishable from one migrated from scratch", async () => {
    const scratch = await (await import("@electric-sql/pglite")).PGlite.create();
    await migratePglite(scratch, migrations);
    expect(instantiated).toBe(3); // the count sees initdb (so `toBe(1)` below can fail)
    const expected = await shape(scratch);
    await scratch.close();

    instantiated = 0;
    const dataDir = fresh();
    const pg = await openPglite({ dataDir }); // the shipped snapshot (dist/ledger-snapshot), built if missing
    expect(instantiated).toBe(1); // no initdb in this process
    expect(pg.created).toBe(true);
    expect(pg.migrated).toEqual(migrations.map((m) => m.name));
    expect(await shape(pg.db)).toEqual(expected);
    expect(expected.functions.length).toBeGreaterThan(30);
    const applied = await pg.db.query<{ age: number }>(
      "select extract(epoch from now() - min(applied_at))::float8 as age from _migrations",
    );
    expect(applied.rows[0]!.age).toBeLessThan(60); // applied when this data dir was made, not at build time
    await sqlLedger(pg).upsertPrincipal("p", { perRequest: 1n, daily: 2n, monthly: 3n });
    await pg.close();

    const again = await openPglite({ dataDir });
    expect(again.created).toBe(false);
    expect(again.migrated).toEqual([]);
    expect((await sqlLedger(again).budgetStatus("p"))?.limits).toEqual({ perRequest: 1n, daily: 2n, monthly: 3n });
    await again.close();
  });

  test("behavior: the key changes with any migration's name or content and with the PGlite version", () => {
    const key = snapshotKey(migrations, "0.5.14");
    expect(snapshotKey(migrations, "0.5.14")).toBe(key);
    expect(snapshotKey(migrations, "0.5.15")).not.toBe(key);
    expect(snapshotKey(migrations.slice(0, -1), "0.5.14")).not.toBe(key);
    const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: "0".repeat(64) } : m));
    expect(snapshotKey(edited, "0.5.14")).not.toBe(key);
    expect(snapshotFile(defaultSnapshotDir(), key)).toMatch(/dist\/ledger-snapshot\/ledger-[0-9a-f]{32}\.tar\.gz$/);
  });

  test("behavior: a snapshot of older migrations is not used; one is built in a child process instead", async () => {
    const newer = nextRelease();
    const current = await readMigrations(newer);
    const snapshotDir = fresh("snapshots");
    const stale = snapshotFile(snapshotDir, snapshotKey(migrations));
    await buildInChild(defaultMigrationsDir(), stale);

    const pg = await openPglite({ dataDir: fresh(), snapshotDir, migrationsDir: newer });
    expect(instantiated).toBe(1); // the child ran initdb, not this process
    const names = (await pg.db.query<{ name: string }>("select name from _migrations order by name")).rows;
    expect(names.map((r) => r.name)).toEqual(current.map((m) => m.name));
    await pg.close();
    // the new snapshot is kept beside the stale one, for the next new data dir
    expect(readdirSync(snapshotDir).sort()).toEqual(
      [stale, snapshotFile(snapshotDir, snapshotKey(current))].map((f) => f.split("/").at(-1)).sort(),
    );
  });

  test("behavior: a stale snapshot filed under the current key is caught by the migration check", async () => {
    const newer = nextRelease();
    const current = await readMigrations(newer);
    const snapshotDir = fresh("snapshots");
    await buildInChild(defaultMigrationsDir(), snapshotFile(snapshotDir, snapshotKey(current)));

    const pg = await openPglite({ dataDir: fresh(), snapshotDir, migrationsDir: newer });
    const names = (await pg.db.query<{ name: string }>("select name from _migrations order by name")).rows;
    expect(names.map((r) => r.name)).toEqual(current.map((m) => m.name)); // the missing one was applied
    await pg.close();
  });

  test("behavior: an unusable snapshot fails the open and leaves no data dir behind", async () => {
    const snapshotDir = fresh("snapshots");
    mkdirSync(snapshotDir);
    writeFileSync(snapshotFile(snapshotDir, snapshotKey(migrations)), "not gzip");
    const dataDir = fresh();
    await expect(openPglite({ dataDir, snapshotDir })).rejects.toThrow();
    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(`${dataDir}.restoring`)).toBe(false);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  test("behavior: a data dir that holds files but no database is refused, not overwritten", async () => {
    const dataDir = fresh();
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, "keep.txt"), "mine");
    await expect(openPglite({ dataDir })).rejects.toThrow(/holds files but no database/);
    expect(readdirSync(dataDir)).toEqual(["keep.txt"]);
  });

  test("behavior: an empty data dir is filled from the snapshot", async () => {
    const dataDir = fresh();
    mkdirSync(dataDir);
    const pg = await openPglite({ dataDir });
    expect(pg.created).toBe(true);
    expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true);
    await pg.close();
  });

  test("behavior: an in-memory ledger starts from the snapshot too", async () => {
    const { file, built } = await findOrBuildSnapshot(migrations, defaultMigrationsDir());
    expect(built).toBe(false); // made by the first test
    expect(existsSync(file)).toBe(true);
    const pg = await openPglite();
    expect(instantiated).toBe(1);
    expect(pg.migrated).toEqual(migrations.map((m) => m.name));
    await pg.close();
  });
});
