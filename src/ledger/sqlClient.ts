import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Ledger } from "./ledger.js";

/**
 * The SQL functions that make up the ledger's RPC contract: the one list of their names. Each is defined by
 * supabase/sql/<area>/<name>.sql (test/ledger/sqlSource.test.ts checks that), and the migrations grant them all.
 */
export const LEDGER_FUNCTIONS = [
  "upsert_principal",
  "reserve_spend",
  "mark_signed",
  "settle_spend",
  "release_spend",
  "mark_unknown",
  "get_spend",
  "list_spend",
  "budget_status",
  "pending_outcomes",
  "expire_reservations",
  "record_cache_hit",
  "record_cache_hits",
  "upsert_wallet_limits",
  "list_principals",
  "set_principal_hosts",
  "create_api_key",
  "verify_api_key",
  "list_api_keys",
  "revoke_api_key",
  "request_approval",
  "decide_approval",
  "consume_approval",
  "list_approvals",
  "rate_limit_hit",
  // instance leases (supabase/sql/instances)
  "instance_heartbeat",
  "instance_release",
  // audit (supabase/sql/audit)
  "record_denial",
  "audit_queued",
  "audit_create_batch",
  "audit_mark_submitted",
  "audit_mark_confirmed",
  "audit_note_batch",
  "audit_open_batches",
  "audit_batch",
  "audit_receipts",
  "audit_status",
  "audit_backlog",
  "audit_settled_tx_hashes",
] as const;

export type LedgerFunction = (typeof LEDGER_FUNCTIONS)[number];

/** `undefined` leaves the argument out, so the SQL default applies (e.g. `p_now` → `now()`). */
export type SqlArgs = Record<string, string | number | boolean | bigint | Date | object | null | undefined>;

/**
 * One database connection (or pool) that can call the ledger's SQL functions. Adapters (PGlite, postgres.js,
 * supabase-js) implement only this; `sqlLedger()` does everything else, once.
 */
export interface SqlClient {
  readonly kind: Ledger["kind"];
  /** Calls `fn` by named arguments and resolves to its jsonb result as a JS value; rejects with the driver's error. */
  call(fn: LedgerFunction, args: SqlArgs): Promise<unknown>;
  close(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Builds `select "fn"("p_a" => $1, …) as result`: named arguments, as PostgREST resolves `/rpc/fn`, so every
 * adapter hits the same function the same way.
 *
 * bigint and Date become strings (exact, and every driver accepts them). Objects become JSON text only with
 * `jsonAsText` (PGlite, PostgREST): postgres.js serialises jsonb parameters itself, and pre-stringified JSON
 * would be stored as a jsonb *string*.
 * @example namedCall("get_spend", { p_id: "7" }, { jsonAsText: true }) // { text: 'select "get_spend"("p_id" => $1) as result', params: ["7"] }
 */
export function namedCall(
  fn: string,
  args: SqlArgs,
  options: { jsonAsText: boolean },
): { text: string; params: unknown[] } {
  const entries = Object.entries(args).filter(([, v]) => v !== undefined);
  for (const name of [fn, ...entries.map(([n]) => n)]) {
    if (!IDENTIFIER.test(name)) throw new Error(`not a SQL identifier: ${name}`);
  }
  const list = entries.map(([name], i) => `"${name}" => $${i + 1}`).join(", ");
  const params = entries.map(([, v]) => {
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Date) return v.toISOString();
    if (options.jsonAsText && v !== null && typeof v === "object") return JSON.stringify(v);
    return v;
  });
  return { text: `select "${fn}"(${list}) as result`, params };
}

export interface Migration {
  /** file name, e.g. `20261126000000_ledger.sql`: applied in name order, forward only */
  name: string;
  sql: string;
  /** sha256 of the file: an applied migration must never change */
  checksum: string;
}

/** `supabase/migrations` of this package, from `src/ledger` (tsx) and from `dist/ledger` (build) alike. */
export const defaultMigrationsDir = (): string => fileURLToPath(new URL("../../supabase/migrations/", import.meta.url));

/** `YYYYMMDDhhmmss_name.sql` */
export const MIGRATION_NAME = /^\d{14}_[a-z0-9_]+\.sql$/;

/** Reads the timestamped `*.sql` files of `dir`, in the order they apply. */
export async function readMigrations(dir: string): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((n) => MIGRATION_NAME.test(n)).sort();
  if (names.length === 0) throw new Error(`no migrations (YYYYMMDDhhmmss_name.sql) in ${dir}`);
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

/** Bookkeeping table shared by every migrating adapter. */
export const MIGRATIONS_TABLE_SQL =
  "create table if not exists _migrations (name text primary key, checksum text not null, applied_at timestamptz not null default now())";

/**
 * The migrations of pre-release Pag0 (0.1.0 was never published), squashed into the baseline. A database that has
 * any of them was made by such a build and cannot be migrated: it must be recreated.
 */
export const SQUASHED_MIGRATIONS: readonly string[] = [
  "20261126000000_ledger.sql",
  "20261126100000_cache_savings.sql",
  "20261126110000_migrations_table_roles.sql",
  "20261126120000_audit.sql",
  "20261126130000_principals.sql",
  "20261201000000_cache_hit_batch.sql",
];

/** How to recreate a database that `pendingMigrations` refuses, unless the caller knows better (its data dir). */
export const RECREATE_DATABASE =
  "drop the database and create it again (on Supabase: `supabase db reset`), then run `pag0 migrate`";

/**
 * The migrations still to apply. Throws if an applied migration was edited or is unknown to this code
 * (a database migrated by a newer Pag0): running money code against a schema it was not written for is refused.
 * A database of pre-release migrations (`SQUASHED_MIGRATIONS`) is told how to start again: `recreate`.
 */
export function pendingMigrations(
  files: Migration[],
  applied: { name: string; checksum: string }[],
  recreate = RECREATE_DATABASE,
): Migration[] {
  const known = new Map(files.map((m) => [m.name, m.checksum]));
  const squashed = applied.find((a) => SQUASHED_MIGRATIONS.includes(a.name) && !known.has(a.name));
  if (squashed) {
    throw new Error(
      `this database was set up by a pre-release Pag0 whose migrations were squashed into ${files[0]?.name.replace(/\.sql$/, "")}; ` +
        `recreate it: ${recreate} (nothing in it is carried over).`,
    );
  }
  for (const a of applied) {
    const checksum = known.get(a.name);
    if (checksum === undefined) {
      throw new Error(`the ledger database has migration ${a.name}, which this version of Pag0 does not know`);
    }
    if (checksum !== a.checksum) {
      throw new Error(`migration ${a.name} changed after it was applied; add a new migration instead of editing it`);
    }
  }
  const done = new Set(applied.map((a) => a.name));
  return files.filter((m) => !done.has(m.name));
}

/** supabase/migrations of this package. */
export const MIGRATIONS_DIR = defaultMigrationsDir();
