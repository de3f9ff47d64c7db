import type postgres from "postgres";
import { applyMigrations } from "./applyMigrations.js";
import { defaultMigrationsDir, readMigrations } from "./sqlClient.js";

/** Advisory lock key of `pag0 migrate` ("pag0" ledger, 20). */
export const MIGRATE_LOCK_KEY = 7061673020n;

/**
 * Applies supabase/migrations to a Postgres database once, however many migrators start at the same time: each
 * takes a session advisory lock on one connection, so the others wait and then find nothing left to do. Every
 * file runs in its own transaction with its `_migrations` row (the same bookkeeping as the embedded ledger).
 * Resolves to the names it applied. Refuses a database whose applied migrations were edited or are unknown.
 * @example const applied = await migratePostgres(openPostgres(url).sql);
 */
export async function migratePostgres(sql: postgres.Sql, migrationsDir = defaultMigrationsDir()): Promise<string[]> {
  const files = await readMigrations(migrationsDir);
  const conn = await sql.reserve();
  const key = MIGRATE_LOCK_KEY.toString();
  try {
    await conn.unsafe("select pg_advisory_lock($1::bigint)", [key]);
    const session = {
      // simple protocol: a migration file holds many statements
      exec: (text: string) => conn.unsafe(text).simple(),
      query: <R>(text: string, params: unknown[] = []) =>
        conn.unsafe(text, params as postgres.ParameterOrJSON<never>[]) as unknown as Promise<R[]>,
    };
    return await applyMigrations(
      {
        ...session,
        async transaction(fn) {
          await conn.unsafe("begin");
          try {
            await fn(session);
            await conn.unsafe("commit");
          } catch (e) {
            await conn.unsafe("rollback").catch(() => {});
            throw e;
          }
        },
      },
      files,
    );
  } finally {
    await conn.unsafe("select pg_advisory_unlock($1::bigint)", [key]).catch(() => {});
    conn.release();
  }
}
