import { PGlite } from "@electric-sql/pglite";
import { lockDataDir } from "./dataDirLock.js";
import {
  defaultMigrationsDir,
  type LedgerFunction,
  MIGRATIONS_TABLE_SQL,
  type Migration,
  namedCall,
  pendingMigrations,
  readMigrations,
  type SqlArgs,
  type SqlClient,
} from "./sqlClient.js";

export interface PgliteClient extends SqlClient {
  readonly kind: "pglite";
  /** migrations applied by this open (empty when the data dir was already up to date) */
  readonly migrated: readonly string[];
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
    db = await PGlite.create(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
    const migrated = await migrate(db, migrations);
    return client(db, migrated, unlock);
  } catch (e) {
    await db?.close().catch(() => {});
    unlock();
    throw e;
  }
}

async function migrate(db: PGlite, files: Migration[]): Promise<string[]> {
  await db.exec(MIGRATIONS_TABLE_SQL);
  const applied = await db.query<{ name: string; checksum: string }>("select name, checksum from _migrations");
  const pending = pendingMigrations(files, applied.rows);
  for (const m of pending) {
    await db.transaction(async (tx) => {
      await tx.exec(m.sql);
      await tx.query("insert into _migrations (name, checksum) values ($1, $2)", [m.name, m.checksum]);
    });
  }
  return pending.map((m) => m.name);
}

function client(db: PGlite, migrated: string[], unlock: () => void): PgliteClient {
  let closing: Promise<void> | undefined;
  return {
    kind: "pglite",
    migrated,
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
