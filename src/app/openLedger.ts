import { type AnchorLock, postgresAdvisoryLock, processLock } from "../audit/anchorLock.js";
import type { Config } from "../config.js";
import { deferredLedger } from "../ledger/deferredLedger.js";
import { embeddedClient } from "../ledger/embeddedClient.js";
import type { Ledger } from "../ledger/ledger.js";
import { openPostgres } from "../ledger/postgresClient.js";
import { defaultMigrationsDir } from "../ledger/sqlClient.js";
import { sqlLedger } from "../ledger/sqlLedger.js";
import { openSupabase } from "../ledger/supabaseClient.js";
import type { Logger } from "../logger.js";
import { LOCAL_PRINCIPAL } from "../tools/defineTool.js";

export interface OpenedLedger {
  ledger: Ledger;
  /** opens it now (calls open it anyway); failures are logged, and each call reports its own */
  open(): Promise<void>;
  /** leadership of a background job that must run once per database */
  jobLock(key: bigint): AnchorLock;
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
  const embedded =
    settings.kind === "pglite"
      ? embeddedClient({
          dataDir: settings.dataDir,
          migrationsDir: defaultMigrationsDir(),
          timeoutMs: settings.timeoutMs,
          log: log.child({ ledger: "embedded" }),
        })
      : null;
  const client =
    settings.kind === "postgres"
      ? openPostgres(settings.url, { connectTimeoutMs: settings.timeoutMs })
      : settings.kind === "supabase"
        ? openSupabase(settings)
        : embedded!;
  const opened = sqlLedger(client);
  const started = performance.now();
  const ledger = deferredLedger(
    async () => {
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
    client.kind,
    () => opened.close(),
  );
  const jobLock =
    settings.kind === "postgres"
      ? (key: bigint) => postgresAdvisoryLock(settings.url, key)
      : embedded
        ? () => embedded.ownerLock()
        : processLock;
  return { ledger, open: () => ledger.open(), jobLock };
}

/** A single connection to DATABASE_URL for `pag0 migrate` (its advisory lock needs one session). */
export const openMigrationConnection = (url: string, timeoutMs: number) =>
  openPostgres(url, { connectTimeoutMs: timeoutMs, max: 1 });
