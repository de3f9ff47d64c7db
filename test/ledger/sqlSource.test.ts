import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type CatalogDiff,
  describeDiff,
  diffCatalogs,
  readCatalog,
  type SqlCatalog,
} from "../../scripts/sql/sqlCatalog.js";
import { readSqlSources, renderBaseline, type SqlSources } from "../../scripts/sql/sqlSources.js";
import { migratePostgres } from "../../src/ledger/migratePostgres.js";
import { migratePglite } from "../../src/ledger/pgliteClient.js";
import { LEDGER_FUNCTIONS, MIGRATIONS_DIR, type Migration, readMigrations } from "../../src/ledger/sqlClient.js";
import { createThrowawayDb, type ThrowawayDb } from "../support/throwawayDb.js";

// The drift test: supabase/sql is what the migrations define. A source edited without a new migration
// (`npm run sql:migration -- <name>`) fails here, on PGlite and on Postgres 15.

const run = promisify(execFile);
const dbs: ThrowawayDb[] = [];
const pools: postgres.Sql[] = [];
const lites: PGlite[] = [];
afterAll(async () => {
  await Promise.all([...pools.map((p) => p.end()), ...lites.map((l) => l.close())]);
  await Promise.all(dbs.map((d) => d.drop()));
});

/** A Supabase-like empty Postgres database and a pool on it. */
async function postgresDb(): Promise<{ db: ThrowawayDb; sql: postgres.Sql }> {
  const db = await createThrowawayDb({ supabaseRoles: true });
  dbs.push(db);
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  pools.push(sql);
  return { db, sql };
}

const postgresCatalog = (sql: postgres.Sql) => readCatalog(async (q) => (await sql.unsafe(q)) as never[]);
const pgliteCatalog = (db: PGlite) => readCatalog(async (q) => (await db.query(q)).rows as never[]);
const grants = (sql: postgres.Sql) => sql`
  select p.oid::regprocedure::text as routine, p.proacl::text as acl from pg_proc p
   where p.pronamespace = 'public'::regnamespace order by 1`;
/** PGlite's session search_path is `public`, Postgres's `"$user", public`: the one setting allowed to differ. */
const defs = (c: SqlCatalog) =>
  Object.fromEntries([...c.routines].map(([id, r]) => [id, r.def.replace(/^ SET search_path TO .*$/m, "")]));
const drift = (d: CatalogDiff) =>
  describeDiff(d) ? `${describeDiff(d)}\n-> write a migration for it: npm run sql:migration -- <name>` : "none";

let sources: SqlSources;
let migrations: Migration[];
let migrated: { sql: postgres.Sql; catalog: SqlCatalog };
let pushed: { sql: postgres.Sql; catalog: SqlCatalog };
let fromSources: SqlCatalog;
let embedded: SqlCatalog;
let embeddedFromSources: SqlCatalog;

beforeAll(async () => {
  sources = await readSqlSources();
  migrations = await readMigrations(MIGRATIONS_DIR);
  const baseline = renderBaseline(sources, "the drift test");

  // `pag0 migrate` on Postgres
  const a = await postgresDb();
  await migratePostgres(a.sql, MIGRATIONS_DIR);
  migrated = { sql: a.sql, catalog: await postgresCatalog(a.sql) };
  // `supabase db push`: each file, in name order, by psql
  const b = await postgresDb();
  for (const m of migrations) {
    await run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", b.db.url, "-f", `${MIGRATIONS_DIR}/${m.name}`]);
  }
  pushed = { sql: b.sql, catalog: await postgresCatalog(b.sql) };
  // the sources themselves
  const c = await postgresDb();
  await c.sql.unsafe(baseline).simple();
  fromSources = await postgresCatalog(c.sql);

  // the embedded ledger: migrated as `openPglite` does, and the sources
  const lite = await PGlite.create();
  const liteSources = await PGlite.create();
  lites.push(lite, liteSources);
  await migratePglite(lite, migrations);
  await liteSources.exec(baseline);
  embedded = await pgliteCatalog(lite);
  embeddedFromSources = await pgliteCatalog(liteSources);
});

describe("supabase/sql and supabase/migrations", () => {
  test("default: pag0 migrate and supabase db push (psql -f, in order) give the same routines, grants and tables", async () => {
    expect(migrated.catalog.routines.size).toBeGreaterThan(40);
    expect(defs(pushed.catalog)).toEqual(defs(migrated.catalog));
    expect(pushed.catalog.schema).toEqual(migrated.catalog.schema);
    expect(await grants(pushed.sql)).toEqual(await grants(migrated.sql));
    // and the embedded ledger (PGlite) defines the same routines
    expect(defs(embedded)).toEqual(defs(migrated.catalog));
  });

  test("behavior: every routine and table the migrations define is exactly its source file's", () => {
    expect(drift(diffCatalogs(migrated.catalog, fromSources))).toBe("none");
    expect(drift(diffCatalogs(embedded, embeddedFromSources))).toBe("none");
  });

  test("behavior: a source edited without a new migration is caught, by name", async () => {
    const edited: SqlSources = {
      ...sources,
      routines: sources.routines.map((r) =>
        r.name === "reserve_replay" ? { ...r, sql: r.sql.replace("'idempotency_conflict'", "'conflict'") } : r,
      ),
    };
    const d = await postgresDb();
    await d.sql.unsafe(renderBaseline(edited, "the drift test")).simple();
    const diff = diffCatalogs(migrated.catalog, await postgresCatalog(d.sql));
    expect(diff.changed.map((r) => r.name)).toEqual(["reserve_replay"]);
    expect(describeDiff(diff)).toMatch(/^routine reserve_replay\(e spend_events, .*\): its source differs/);
  });

  test("behavior: every function the adapters call has its source file, and every source is migrated", () => {
    const names = sources.routines.map((r) => r.name);
    expect(LEDGER_FUNCTIONS.filter((f) => !names.includes(f))).toEqual([]);
    expect([...new Set([...migrated.catalog.routines.values()].map((r) => r.name))].sort()).toEqual([...names].sort());
  });
});
