/** Runs one read-only query; PGlite and postgres.js adapt to it in one line each. */
export type Query = <R>(sql: string) => Promise<R[]>;

export interface RoutineDef {
  /** `name(identity args)`, e.g. `get_spend(p_id bigint)` */
  identity: string;
  name: string;
  /** `pg_get_functiondef`: signature, language, volatility, settings and body, as the database holds them */
  /** `pg_get_function_arguments` and `pg_get_function_result`: what `create or replace` cannot change */
  args: string;
  result: string | null;
  def: string;
}

/** What migrations produce, as the database holds it: every routine, and the shape of every table. */
export interface SqlCatalog {
  routines: Map<string, RoutineDef>;
  /** one line per column, constraint and index: `kind table.name: definition` */
  schema: string[];
}

/** Reads the routines and table shapes of the current schema (extension-owned routines left out). */
export async function readCatalog(query: Query): Promise<SqlCatalog> {
  const routines = await query<RoutineDef>(`
    select p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as identity, p.proname as name,
           pg_get_function_arguments(p.oid) as args, pg_get_function_result(p.oid) as result,
           pg_get_functiondef(p.oid) as def
      from pg_proc p
     where p.pronamespace = (select oid from pg_namespace where nspname = current_schema())
       and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
     order by 1`);
  const schema = await query<{ line: string }>(`
    select 'column ' || table_name || '.' || column_name || ': ' || data_type || ' null=' || is_nullable
           || ' default=' || coalesce(column_default, '-') as line
      from information_schema.columns
     where table_schema = current_schema() and table_name <> '_migrations'
    union all
    select 'constraint ' || conrelid::regclass::text || '.' || conname || ': ' || pg_get_constraintdef(oid)
      from pg_constraint
     where connamespace = (select oid from pg_namespace where nspname = current_schema()) and conrelid <> 0
       and conrelid::regclass::text <> '_migrations'
    union all
    select 'index ' || tablename || '.' || indexname || ': ' || indexdef
      from pg_indexes where schemaname = current_schema() and tablename <> '_migrations'
     order by 1`);
  return { routines: new Map(routines.map((r) => [r.identity, r])), schema: schema.map((r) => r.line) };
}

export interface CatalogDiff {
  /** routines of the sources that the database lacks or defines otherwise */
  changed: RoutineDef[];
  /** routines of the database that no source defines (by identity: a changed signature is one of these too) */
  removed: RoutineDef[];
  /** schema lines only the database has (`-`) or only the sources have (`+`) */
  schema: string[];
}

/** How `live` (a migrated database) differs from `source` (the sources applied to an empty one). */
export function diffCatalogs(live: SqlCatalog, source: SqlCatalog): CatalogDiff {
  const changed = [...source.routines.values()].filter((r) => live.routines.get(r.identity)?.def !== r.def);
  const removed = [...live.routines.values()].filter((r) => !source.routines.has(r.identity));
  const liveSchema = new Set(live.schema);
  const sourceSchema = new Set(source.schema);
  const schema = [
    ...live.schema.filter((l) => !sourceSchema.has(l)).map((l) => `- ${l}`),
    ...source.schema.filter((l) => !liveSchema.has(l)).map((l) => `+ ${l}`),
  ];
  return { changed, removed, schema };
}

export const isEmptyDiff = (d: CatalogDiff): boolean =>
  d.changed.length === 0 && d.removed.length === 0 && d.schema.length === 0;

/** One line per difference, for an error message or a test failure. */
export function describeDiff(d: CatalogDiff): string {
  return [
    ...d.changed.map((r) => `routine ${r.identity}: its source differs from what the migrations define`),
    ...d.removed.map((r) => `routine ${r.identity}: defined by the migrations, in no source file`),
    ...d.schema.map((l) => `schema ${l}`),
  ].join("\n");
}
