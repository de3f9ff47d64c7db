import { existsSync, readdirSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import type { PGlite } from "@electric-sql/pglite";
import { migratePglite } from "../src/ledger/pgliteClient.js";
import { defaultMigrationsDir, MIGRATION_NAME, readMigrations } from "../src/ledger/sqlClient.js";
import { type CatalogDiff, describeDiff, diffCatalogs, isEmptyDiff, readCatalog } from "./sql/sqlCatalog.js";
import { readSqlSources, renderBaseline, renderMigration, type SourceFile, type SqlSources } from "./sql/sqlSources.js";

const USAGE = `Usage: npm run sql:migration -- <name> [--schema <file.sql>] [--sources <dir>] [--migrations <dir>]

Writes supabase/migrations/<UTC timestamp>_<name>.sql from supabase/sql:
  - no migrations yet: the baseline, every schema and routine file;
  - else: every routine file whose definition differs from what the migrations define (compared with
    pg_get_functiondef on two in-memory PGlites), drops of routines no file defines any more, and the grant call.
Table changes cannot be derived from schema/*.sql: write the DDL (alter table …) in a file and pass --schema.
The new migration is applied to the migrated database and must leave it identical to the sources, or nothing is
written. Nothing is written either when nothing changed.
`;

/** Two empty in-memory databases for the price of one initdb (seconds each): the second is a copy of the first. */
async function twoEmptyPglites(): Promise<[PGlite, PGlite]> {
  const { PGlite } = await import("@electric-sql/pglite");
  const first = await PGlite.create();
  const second = await PGlite.create({ loadDataDir: await first.dumpDataDir("none") });
  return [first, second];
}

const catalogOf = (db: PGlite) => readCatalog(async (sql) => (await db.query(sql)).rows as never[]);

/** Statements that must run before `create or replace` of the changed routines: drops of what it cannot change. */
function drops(diff: CatalogDiff, live: Awaited<ReturnType<typeof catalogOf>>): string[] {
  const reshaped = diff.changed.filter((r) => {
    const old = live.routines.get(r.identity);
    return old !== undefined && (old.args !== r.args || old.result !== r.result);
  });
  return [...diff.removed, ...reshaped].map((r) => `drop routine if exists ${r.identity};`);
}

/** The baseline, once it has applied cleanly to an empty database. */
async function checkedBaseline(sources: SqlSources, command: string): Promise<string> {
  const text = renderBaseline(sources, command);
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create();
  try {
    await db.exec(text);
  } finally {
    await db.close();
  }
  return text;
}

async function nextMigration(
  sources: SqlSources,
  command: string,
  migrationsDir: string,
  schemaFile?: string,
): Promise<string | null> {
  const [live, source] = await twoEmptyPglites();
  try {
    await migratePglite(live, await readMigrations(migrationsDir));
    await source.exec(renderBaseline(sources, command));
    const before = await catalogOf(live);
    const sourceCatalog = await catalogOf(source);
    const diff = diffCatalogs(before, sourceCatalog);
    if (diff.schema.length > 0 && schemaFile === undefined) {
      throw new Error(
        `the tables in supabase/sql/schema differ from the migrations; write the DDL that makes them match and pass it with --schema:\n${diff.schema.join("\n")}`,
      );
    }
    if (isEmptyDiff(diff) && schemaFile === undefined) return null;
    const changed = new Set(diff.changed.map((r) => r.name));
    const hand: SourceFile[] =
      schemaFile === undefined
        ? []
        : [{ path: relative(process.cwd(), schemaFile), sql: await readFile(schemaFile, "utf8") }];
    const text = renderMigration({
      command,
      sources,
      preamble: drops(diff, before),
      parts: [...hand, ...sources.routines.filter((r) => changed.has(r.name))],
    });
    // the proof: the migrated database plus this migration is the sources
    await live.transaction(async (tx) => {
      await tx.exec(text);
    });
    const left = diffCatalogs(await catalogOf(live), sourceCatalog);
    if (!isEmptyDiff(left)) throw new Error(`the new migration does not reproduce the sources:\n${describeDiff(left)}`);
    return text;
  } finally {
    await Promise.all([live.close(), source.close()]);
  }
}

function timestamp(existing: string[]): string {
  const now = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const last = existing.at(-1)?.slice(0, 14);
  if (last !== undefined && now <= last) throw new Error(`the clock (${now}) is not past the last migration ${last}`);
  return now;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { schema: { type: "string" }, sources: { type: "string" }, migrations: { type: "string" } },
  });
  const name = positionals[0];
  if (positionals.length !== 1 || !/^[a-z0-9_]+$/.test(name ?? "")) {
    process.stderr.write(USAGE);
    return 2;
  }
  const command = `npm run sql:migration -- ${name}`;
  const dir = values.migrations ?? defaultMigrationsDir();
  const existing = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => MIGRATION_NAME.test(f))
        .sort()
    : [];
  const sources = await readSqlSources(values.sources);
  const text =
    existing.length === 0
      ? await checkedBaseline(sources, command)
      : await nextMigration(sources, command, dir, values.schema);
  if (text === null) {
    process.stderr.write("sql:migration: the migrations already define every source; nothing to write\n");
    return 0;
  }
  const file = join(dir, `${timestamp(existing)}_${name}.sql`);
  await writeFile(file, text);
  process.stderr.write(`sql:migration: wrote ${relative(process.cwd(), file)}; commit it with the sources\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`sql:migration: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
