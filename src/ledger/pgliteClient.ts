import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import type { PGlite } from "@electric-sql/pglite";
import { applyMigrations } from "./applyMigrations.js";
import { lockDataDir } from "./dataDirLock.js";
import { findOrBuildSnapshot, restoreSnapshot } from "./ledgerSnapshot.js";
import {
  defaultMigrationsDir,
  type LedgerFunction,
  type Migration,
  namedCall,
  readMigrations,
  type SqlArgs,
  type SqlClient,
} from "./sqlClient.js";

export interface PgliteClient extends SqlClient {
  readonly kind: "pglite";
  /** migrations applied by this open (empty when the data dir was already up to date); all on a new one */
  readonly migrated: readonly string[];
  /** whether this open created the database, from the snapshot of the migrations (ledgerSnapshot.ts) */
  readonly created: boolean;
  /** the database itself, for serving it to other processes (embeddedClient) */
  readonly db: PGlite;
}

/**
 * Postgres's default 128 MB buffer pool is touched at start-up inside WASM memory, which never shrinks: ~120 MB
 * of RSS for a ledger whose tables take a few MB. 16 MB still holds them whole.
 */
const SHARED_BUFFERS = "shared_buffers=16MB";

/**
 * WASM code from Liftoff (V8's baseline compiler) only: TurboFan's tier-up of Postgres's hot functions cost
 * ~35 MB of RSS for good and ~80 MB at its peak, and competes with start-up for the CPU; the ledger's calls take
 * a millisecond either way. V8 reads the flag when it compiles a module, so it holds for PGlite's compile below.
 */
function liftoffOnly(): void {
  setFlagsFromString("--liftoff-only");
}

/**
 * Opens the embedded ledger: in memory without `dataDir`, else in that directory, which this process then owns
 * (`DataDirLockedError` names the pid that owns it otherwise). A new database starts from the snapshot of the
 * migrations (`snapshotDir`, default dist/ledger-snapshot; built in a child process if missing), so this process
 * never runs initdb. Applies pending migrations, each in its own transaction, recorded in `_migrations`.
 * @example const db = await openPglite({ dataDir: join(dataHome, "ledger") }); const ledger = sqlLedger(db);
 */
export async function openPglite(
  options: {
    dataDir?: string;
    migrationsDir?: string;
    snapshotDir?: string;
    /** called once the data dir is locked and found empty, before the ledger is created in it */
    onCreating?: () => void;
  } = {},
): Promise<PgliteClient> {
  const migrationsDir = options.migrationsDir ?? defaultMigrationsDir();
  const migrations = await readMigrations(migrationsDir);
  const { dataDir } = options;
  const unlock = dataDir === undefined ? () => {} : await lockDataDir(dataDir);
  let db: PGlite | undefined;
  try {
    // loaded here, not at startup: a stdio server answers `initialize` before it needs PGlite, if ever
    const loading = import("@electric-sql/pglite");
    loading.catch(() => {});
    const created = dataDir === undefined || !hasDatabase(dataDir);
    let loadDataDir: Blob | undefined;
    if (created) {
      if (dataDir !== undefined) options.onCreating?.();
      const snapshot = await findOrBuildSnapshot(migrations, migrationsDir, options.snapshotDir);
      try {
        if (dataDir === undefined) loadDataDir = new Blob([await readFile(snapshot.file)]);
        else await restoreSnapshot(snapshot.file, dataDir);
      } finally {
        await snapshot.done();
      }
    }
    const { PGlite } = await loading;
    liftoffOnly();
    db = await PGlite.create({
      ...(dataDir === undefined ? {} : { dataDir }),
      ...(loadDataDir === undefined ? {} : { loadDataDir }),
      startParams: [...PGlite.defaultStartParams, "-c", SHARED_BUFFERS],
    });
    // on a new database this only checks the snapshot's `_migrations` against the files
    const applied = await migratePglite(
      db,
      migrations,
      dataDir && `stop every Pag0 process using it, then delete ${dataDir}; the next start creates a new one`,
    );
    if (created) await db.exec("update _migrations set applied_at = now()");
    return client(db, created ? migrations.map((m) => m.name) : applied, created, unlock);
  } catch (e) {
    await db?.close().catch(() => {});
    unlock();
    throw e;
  }
}

/** Whether `dataDir` holds a database; throws if it holds something else, which a new ledger must not overwrite. */
function hasDatabase(dataDir: string): boolean {
  if (existsSync(join(dataDir, "PG_VERSION"))) return true;
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(`the ledger data dir ${dataDir} holds files but no database (no PG_VERSION); move it away`);
  }
  return false;
}

/** Applies the pending `files` to `db` (applyMigrations) and returns their names. */
export function migratePglite(db: PGlite, files: Migration[], recreate?: string): Promise<string[]> {
  const session = (q: Pick<PGlite, "exec" | "query">) => ({
    exec: (sql: string) => q.exec(sql),
    query: async <R>(text: string, params?: unknown[]) => (await q.query<R>(text, params)).rows,
  });
  return applyMigrations(
    { ...session(db), transaction: (fn) => db.transaction((tx) => fn(session(tx))) },
    files,
    recreate,
  );
}

function client(db: PGlite, migrated: string[], created: boolean, unlock: () => void): PgliteClient {
  let closing: Promise<void> | undefined;
  return {
    kind: "pglite",
    migrated,
    created,
    db,
    async call(fn: LedgerFunction, args: SqlArgs) {
      const { text, params } = namedCall(fn, args, { jsonAsText: true });
      const { rows } = await db.query<{ result: unknown }>(text, params);
      return rows[0]?.result ?? null;
    },
    close() {
      closing ??= db.close().finally(unlock);
      return closing;
    },
  };
}
