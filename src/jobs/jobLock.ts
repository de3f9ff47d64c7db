import type postgres from "postgres";

/**
 * Leadership of a background job that runs once per database (the anchorer, the reconciler): only the holder runs
 * it. Neither job's correctness rests on it (every ledger move is replay-safe, the SQL refuses a stale seal and the
 * contract a repeated or gapped batch); it keeps a second instance from doing the work again, or from paying gas
 * for transactions the contract would revert.
 */
export interface JobLock {
  /** True while this process holds the lock; takes it when free. Cheap enough to call on every tick. */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
}

/** The embedded ledger: this process owns the data dir (see dataDirLock.ts), so it owns the job too. */
export const processLock = (): JobLock => ({ acquire: async () => true, release: async () => {} });

/** Advisory lock key of the anchorer ("pag0" audit, 2); audit_create_batch's transaction lock is …1. */
export const ANCHORER_LOCK_KEY = 7061673002n;
/** Advisory lock key of the reconciler ("pag0" ledger, 10). */
export const RECONCILER_LOCK_KEY = 7061673010n;

/**
 * A session-level `pg_try_advisory_lock` on a dedicated postgres.js connection: it is released when this process
 * or its connection dies, so a standby takes over on its next tick. Written here because pooled queries run on
 * any session; the connection is kept alone (max 1) and checked in `pg_locks` before each tick, since a silent
 * reconnect would otherwise lose the lock unnoticed.
 */
export function postgresAdvisoryLock(url: string, key: bigint = ANCHORER_LOCK_KEY): JobLock {
  let sql: postgres.Sql | null = null;
  const classid = Number(key >> 32n);
  const objid = Number(key & 0xffffffffn);
  return {
    async acquire() {
      // postgres.js loads with the first tick, not with the app (a stdio server answers initialize without it)
      sql ??= (await import("postgres")).default(url, {
        max: 1,
        idle_timeout: 0,
        onnotice: () => {},
        connection: { application_name: "pag0-anchorer" },
      });
      const [held] = await sql`
        select exists (select 1 from pg_locks
                        where locktype = 'advisory' and pid = pg_backend_pid() and granted
                          and classid = ${classid} and objid = ${objid} and objsubid = 1) as ok`;
      if (held?.ok) return true;
      const [taken] = await sql`select pg_try_advisory_lock(${key.toString()}::bigint) as ok`;
      return taken?.ok === true;
    },
    async release() {
      const s = sql;
      sql = null;
      if (!s) return;
      await s`select pg_advisory_unlock_all()`.catch(() => {});
      await s.end({ timeout: 5 });
    },
  };
}
