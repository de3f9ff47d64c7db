import type { Config } from "../config/loadConfig.js";
import { type JobLock, postgresAdvisoryLock, processLock } from "../jobs/jobLock.js";
import { lazy, loadedValue } from "../lazy.js";
import { deferredLedger } from "../ledger/deferredLedger.js";
import type { Ledger } from "../ledger/ledger.js";
import { defaultMigrationsDir } from "../ledger/sqlClient.js";
import type { Logger } from "../logger.js";
import { LOCAL_PRINCIPAL } from "../tools/defineTool.js";

export interface OpenedLedger {
  ledger: Ledger;
  /** opens it now (calls open it anyway); failures are logged, and each call reports its own */
  open(): Promise<void>;
  /** leadership of a background job that must run once per database */
  jobLock(key: bigint): JobLock;
}

/**
 * The ledger named by config (Postgres, Supabase REST, or the embedded PGlite shared by every process on the data
 * dir), opened in the background at the first call or `open()`, so the server answers at once; calls wait for
 * it, and the local budget is seeded first. If it cannot be reached, calls fail closed and the next one tries
 * again. `jobLock` gives the leadership of a background job: a Postgres advisory lock, the data dir's owner for the
 * embedded ledger; with Supabase REST (no database session to hold a lock) every instance runs the jobs, which are
 * replay-safe.
 */
export function openLedger(config: Config, log: Logger): OpenedLedger {
  const settings = config.ledger;
  // the adapters (postgres.js, pglite-socket, the SQL wrappers) load with the ledger, after `initialize`
  const adapters = lazy(async () => {
    const [{ embeddedClient }, { openPostgres }, { openSupabase }, { sqlLedger }, { withDeadline }] = await Promise.all(
      [
        import("../ledger/embeddedClient.js"),
        import("../ledger/postgresClient.js"),
        import("../ledger/supabaseClient.js"),
        import("../ledger/sqlLedger.js"),
        import("../ledger/withDeadline.js"),
      ],
    );
    const embedded =
      settings.kind === "pglite"
        ? embeddedClient({
            dataDir: settings.dataDir,
            migrationsDir: defaultMigrationsDir(),
            timeoutMs: settings.timeoutMs,
            log: log.child({ ledger: "embedded" }),
            // one line for the human, whatever the log level: a first start is the one slow moment
            onCreating: (dir) => process.stderr.write(`pag0: creating the embedded ledger in ${dir} (first start)\n`),
          })
        : null;
    const client =
      settings.kind === "postgres"
        ? openPostgres(settings.url, { connectTimeoutMs: settings.timeoutMs })
        : settings.kind === "supabase"
          ? openSupabase(settings)
          : embedded!;
    // every call has a deadline, stalled sockets included: drivers bound only the connect
    return { embedded, ledger: sqlLedger(withDeadline(client, settings.timeoutMs)) };
  });
  const started = performance.now();
  const ledger = deferredLedger(
    async () => {
      const { ledger: opened } = await adapters();
      try {
        await opened.upsertPrincipal(LOCAL_PRINCIPAL, config.policy.limits);
        await opened.setWalletLimits(config.policy.walletLimits);
      } catch (err) {
        // undefined_function (SQL) or PGRST202 (PostgREST): the ledger functions are not there
        const code = (err as { cause?: { code?: unknown } }).cause?.code;
        const unmigrated = code === "42883" || code === "PGRST202";
        log.error(
          { err, ledger: settings.kind },
          `the ledger is unavailable: paid calls are refused until it answers${unmigrated ? " (run `pag0 migrate`)" : ""}`,
        );
        throw err;
      }
      log.info({ ms: Math.round(performance.now() - started), ledger: settings.kind }, "ledger ready");
      return opened;
    },
    settings.kind,
    async () => (await loadedValue(adapters))?.ledger.close(),
  );
  const embeddedLock = (): JobLock => ({
    acquire: async () => (await adapters()).embedded!.ownerLock().acquire(),
    release: async () => (await loadedValue(adapters))?.embedded?.ownerLock().release(),
  });
  const jobLock =
    settings.kind === "postgres"
      ? (key: bigint) => postgresAdvisoryLock(settings.url, key)
      : settings.kind === "pglite"
        ? embeddedLock
        : processLock;
  return { ledger, open: () => ledger.open(), jobLock };
}

/** A single connection to DATABASE_URL for `pag0 migrate` (its advisory lock needs one session). */
export const openMigrationConnection = async (url: string, timeoutMs: number) =>
  (await import("../ledger/postgresClient.js")).openPostgres(url, { connectTimeoutMs: timeoutMs, max: 1 });
