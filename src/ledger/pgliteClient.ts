import type { PGlite } from "@electric-sql/pglite";
import { applyMigrations } from "./applyMigrations.js";
import { lockDataDir } from "./dataDirLock.js";
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
  /** migrations applied by this open (empty when the data dir was already up to date) */
  readonly migrated: readonly string[];
  /** the database itself, for serving it to other processes (embeddedClient) */
  readonly db: PGlite;
}

/**
 * Opens the embedded ledger: in memory without `dataDir`, else in that directory, which this process then owns
 * (`DataDirLockedError` names the pid that owns it otherwise). Applies pending migrations, each in its own
 * transaction, recorded in `_migrations`.
 * @example const db = await openPglite({ dataDir: join(dataHome, "ledger") }); const ledger = sqlLedger(db);
 */
export async function openPglite(options: { dataDir?: string; migrationsDir?: string } = {}): Promise<PgliteClient> {
  const migrations = await readMigrations(options.migrationsDir ?? defaultMigrationsDir());
  const unlock = options.dataDir === undefined ? () => {} : await lockDataDir(options.dataDir);
  let db: PGlite | undefined;
  try {
    // loaded here, not at startup: a stdio server answers `initialize` before it needs PGlite, if ever
    const { PGlite } = await import("@electric-sql/pglite");
    db = await PGlite.create(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
    const migrated = await migrate(db, migrations);
    return client(db, migrated, unlock);
  } catch (e) {
    await db?.close().catch(() => {});
    unlock();
    throw e;
  }
}

function migrate(db: PGlite, files: Migration[]): Promise<string[]> {
  const session = (q: Pick<PGlite, "exec" | "query">) => ({
    exec: (sql: string) => q.exec(sql),
    query: async <R>(text: string, params?: unknown[]) => (await q.query<R>(text, params)).rows,
  });
  return applyMigrations({ ...session(db), transaction: (fn) => db.transaction((tx) => fn(session(tx))) }, files);
}

function client(db: PGlite, migrated: string[], unlock: () => void): PgliteClient {
  let closing: Promise<void> | undefined;
  return {
    kind: "pglite",
    migrated,
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
