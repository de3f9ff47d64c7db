import { MIGRATIONS_TABLE_SQL, type Migration, pendingMigrations } from "./sqlClient.js";

/** One database session, as every migrating adapter (PGlite, postgres.js) can give it. */
export interface MigrationSession {
  /** runs a whole migration file (several statements) */
  exec(sql: string): Promise<unknown>;
  query<R>(text: string, params?: unknown[]): Promise<R[]>;
  transaction(fn: (tx: Pick<MigrationSession, "exec" | "query">) => Promise<void>): Promise<void>;
}

/**
 * Applies the pending migrations in name order, each in its own transaction together with its `_migrations` row
 * (name and checksum), and returns their names. The caller makes it the only migrator (lock or owned data dir).
 * `recreate` says how to start again from a database that cannot be migrated (see `pendingMigrations`).
 */
export async function applyMigrations(db: MigrationSession, files: Migration[], recreate?: string): Promise<string[]> {
  await db.exec(MIGRATIONS_TABLE_SQL);
  const pending = pendingMigrations(files, await db.query("select name, checksum from _migrations"), recreate);
  for (const m of pending) {
    await db.transaction(async (tx) => {
      await tx.exec(m.sql);
      await tx.query("insert into _migrations (name, checksum) values ($1, $2)", [m.name, m.checksum]);
    });
  }
  return pending.map((m) => m.name);
}
