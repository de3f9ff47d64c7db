import { readdir, readFile } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

// supabase/sql is the readable source of the ledger's SQL: `schema/NN_*.sql` (tables, indexes; applied in NN order)
// and `<area>/<routine>.sql`, one `create or replace function|procedure <routine>` per file. Migrations are
// generated from it (scripts/sqlMigration.ts); it is never applied to a database by Pag0 itself.

/** supabase/sql of this checkout. */
export const SQL_SOURCE_DIR = fileURLToPath(new URL("../../supabase/sql/", import.meta.url));

export interface SourceFile {
  /** path below supabase/sql, e.g. `reserve/reserve_spend.sql` */
  path: string;
  sql: string;
}

export interface RoutineSource extends SourceFile {
  /** the function or procedure the file defines: its file name */
  name: string;
}

export interface SqlSources {
  /** in the order they apply */
  schema: SourceFile[];
  /** in an order in which each routine is created after the routines its body names */
  routines: RoutineSource[];
  /** the tables the schema files create */
  tables: string[];
}

const SCHEMA_FILE = /^\d{2}_[a-z0-9_]+\.sql$/;
const CREATE_ROUTINE = /^create or replace (?:function|procedure) ([a-z_][a-z0-9_]*)\s*\(/gim;
const CREATE_TABLE = /^create table if not exists ([a-z_][a-z0-9_]*)/gim;

/** Reads and checks supabase/sql: one routine per file, named like the file; schema files hold no routines. */
export async function readSqlSources(dir = SQL_SOURCE_DIR): Promise<SqlSources> {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith(".sql")).sort();
  const schema: SourceFile[] = [];
  const routines: RoutineSource[] = [];
  for (const path of files) {
    const sql = await readFile(join(dir, path), "utf8");
    const created = [...sql.matchAll(CREATE_ROUTINE)].map((m) => m[1]!);
    if (path.startsWith("schema/")) {
      if (!SCHEMA_FILE.test(basename(path))) throw new Error(`${path}: schema files are named NN_name.sql`);
      if (created.length > 0) throw new Error(`${path}: a schema file holds no routine (move ${created[0]} out)`);
      schema.push({ path, sql });
      continue;
    }
    const name = basename(path, ".sql");
    if (created.length !== 1 || created[0] !== name) {
      throw new Error(`${path}: needs exactly one \`create or replace function ${name}\`, found ${created.length}`);
    }
    routines.push({ path, name, sql });
  }
  const names = routines.map((r) => r.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`${twice} is defined by two files under ${relative(process.cwd(), dir)}`);
  const tables = schema.flatMap((s) => [...s.sql.matchAll(CREATE_TABLE)].map((m) => m[1]!));
  return { schema, routines: dependencyOrder(routines), tables };
}

/**
 * Routines ordered so that each comes after those its body calls (SQL-language bodies are checked when they are
 * created), ties by path: the same sources always give the same migration.
 */
function dependencyOrder(routines: RoutineSource[]): RoutineSource[] {
  const byName = new Map(routines.map((r) => [r.name, r]));
  const calls = (r: RoutineSource) => {
    const code = r.sql.replace(/--.*$/gm, "");
    return [...byName.keys()].filter((n) => n !== r.name && new RegExp(`\\b${n}\\s*\\(`).test(code));
  };
  const ordered: RoutineSource[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (r: RoutineSource, path: string[]) => {
    if (state.get(r.name) === "done") return;
    if (state.get(r.name) === "visiting")
      throw new Error(`routines call each other: ${[...path, r.name].join(" -> ")}`);
    state.set(r.name, "visiting");
    for (const dep of calls(r)) visit(byName.get(dep)!, [...path, r.name]);
    state.set(r.name, "done");
    ordered.push(r);
  };
  for (const r of routines) visit(r, []);
  return ordered;
}

/** The routine every migration ends with a call of (supabase/sql/roles/secure_api_roles.sql). */
export const GRANT_ROUTINE = "secure_api_roles";

/** `array['a', 'b', …]::text[]`, wrapped to lines of at most 120 characters. */
function textArray(names: readonly string[]): string {
  const lines = [""];
  for (const quoted of names.map((n) => `'${n}'`)) {
    const last = lines.length - 1;
    if (lines[last] !== "" && lines[last]!.length + quoted.length > 110) lines.push("");
    lines[lines.length - 1] += lines[lines.length - 1] === "" ? quoted : `, ${quoted}`;
  }
  return `array[\n    ${lines.join(",\n    ")}\n  ]::text[]`;
}

/**
 * The text of a migration: a header saying it is generated and from what, then `parts` (hand-written DDL or
 * source files, each under its path), then the one grant call naming every routine and table of the sources.
 */
export function renderMigration(options: {
  command: string;
  parts: SourceFile[];
  sources: SqlSources;
  /** statements before the parts, e.g. drops of routines whose signature changed */
  preamble?: string[];
}): string {
  const { command, parts, sources, preamble = [] } = options;
  const header = [
    `-- GENERATED by \`${command}\` (scripts/sqlMigration.ts) from supabase/sql. Do not edit:`,
    "-- applied migrations never change. To change the SQL, edit supabase/sql and generate a new migration",
    '-- (README, "Changing the SQL"). Runs unchanged on PGlite, Postgres 15+ and Supabase (`supabase db push`).',
    "--",
    "-- From:",
    ...parts.map((p) => `--   ${p.path}`),
  ];
  const body = parts.map((p) => `-- ---- ${p.path}\n\n${p.sql.trimEnd()}`);
  const grant = [
    `-- ---- grants: ${sources.routines.find((r) => r.name === GRANT_ROUTINE)?.path ?? GRANT_ROUTINE}`,
    "",
    `call ${GRANT_ROUTINE}(`,
    `  ${textArray(sources.routines.map((r) => r.name))},`,
    `  ${textArray(sources.tables)});`,
  ];
  return `${[header.join("\n"), ...(preamble.length ? [preamble.join("\n")] : []), ...body, grant.join("\n")].join("\n\n")}\n`;
}

/** Every source as one migration: the baseline, and what the drift test applies to an empty database. */
export const renderBaseline = (sources: SqlSources, command: string): string =>
  renderMigration({ command, sources, parts: [...sources.schema, ...sources.routines] });
