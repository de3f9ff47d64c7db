import { fileURLToPath } from "node:url";
import type { Anchorer } from "./audit/anchorer.js";
import { anchorerFromConfig } from "./audit/anchorerFromConfig.js";
import { ANCHORER_LOCK_KEY, type AnchorLock, postgresAdvisoryLock, processLock } from "./audit/anchorLock.js";
import { type BacklogGate, backlogGate } from "./audit/backlogGate.js";
import { memoryCache } from "./cache/memoryCache.js";
import { redisCache } from "./cache/redisCache.js";
import type { ResponseCache } from "./cache/responseCache.js";
import { upstashCache } from "./cache/upstashCache.js";
import type { Config } from "./config.js";
import { deferredLedger } from "./ledger/deferredLedger.js";
import { embeddedClient } from "./ledger/embeddedClient.js";
import type { Ledger } from "./ledger/ledger.js";
import { openPostgres } from "./ledger/postgresClient.js";
import { sqlLedger } from "./ledger/sqlLedger.js";
import { openSupabase } from "./ledger/supabaseClient.js";
import type { Logger } from "./logger.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { createReconciler, type Reconciler } from "./payment/reconciler.js";
import { createWallet, type Wallet } from "./payment/wallet.js";
import { createX402Payer, type X402Payer } from "./payment/x402Payer.js";
import { createUpstreamFetch, type UpstreamFetch } from "./upstream/upstreamFetch.js";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../supabase/migrations", import.meta.url));

/** Everything the app runs on, chosen from config. The only module that imports adapters. */
export interface Deps {
  config: Config;
  log: Logger;
  ledger: Ledger;
  wallet: Wallet | null;
  payer: X402Payer | null;
  fetch: UpstreamFetch;
  reconciler: Reconciler;
  metrics: Metrics;
  /** the paid-response cache store (memory, Redis or Upstash) */
  cache: ResponseCache;
  /** anchors audit receipts on SKALE in the background; null when anchoring is not configured */
  anchorer: Anchorer | null;
  /** refuses paid calls with AUDIT_BACKLOG in strict mode when anchoring lags */
  auditGate: BacklogGate;
}

/** The principal of the local (stdio) user. */
export const LOCAL_PRINCIPAL = "local";

export function createDeps(
  config: Config,
  log: Logger,
  overrides: Partial<Pick<Deps, "ledger" | "fetch" | "cache">> = {},
): Deps {
  const { ledger, jobLock } = overrides.ledger
    ? { ledger: overrides.ledger, jobLock: processLock }
    : openLedger(config, log);
  const wallet = config.walletPrivateKey ? createWallet(config.walletPrivateKey) : null;
  if (!wallet) log.warn("WALLET_PRIVATE_KEY is not set: free calls work, paid calls are refused");
  const metrics = createMetrics();
  return {
    config,
    log,
    metrics,
    ledger,
    wallet,
    payer: wallet ? createX402Payer({ wallet, networks: config.networks }) : null,
    fetch:
      overrides.fetch ??
      createUpstreamFetch({
        allowPrivate: config.allowPrivateHosts,
        timeoutMs: config.upstream.timeoutMs,
        maxResponseBytes: config.upstream.maxResponseBytes,
      }),
    cache: overrides.cache ?? openCache(config, log),
    anchorer: anchorerFromConfig(config.audit, {
      store: ledger,
      // one anchorer per database, whatever the number of instances
      lock: jobLock(ANCHORER_LOCK_KEY),
      log: log.child({ job: "anchorer" }),
      metrics: metrics.audit,
    }),
    auditGate: backlogGate({
      store: ledger,
      strict: config.audit.strict,
      anchoring: config.audit.anchoring,
      maxBacklogSeconds: config.audit.maxBacklogSeconds,
      metrics: metrics.audit,
      log,
    }),
    reconciler: createReconciler({
      ledger,
      networks: config.networks,
      log: log.child({ job: "reconciler" }),
      signedGraceMs: Math.max(2 * config.upstream.timeoutMs, 60_000),
      expirySkewSeconds: config.expirySkewSeconds,
      lock: jobLock(RECONCILER_LOCK_KEY),
    }),
  };
}

/** The cache store named by config; its connection problems are logged at debug (each call reports its own). */
function openCache({ cache }: Config, log: Logger): ResponseCache {
  const { store, timeoutMs } = cache;
  if (store.kind === "memory") return memoryCache({ maxBytes: store.maxBytes });
  log.info({ cache: store.kind, host: new URL(store.url).host }, "paid-response cache store");
  if (store.kind === "upstash") return upstashCache({ url: store.url, token: store.token, timeoutMs });
  const onConnectionError = (e: Error) => log.debug({ cache: "redis", reason: e.message }, "redis connection error");
  return redisCache({ url: store.url, timeoutMs, onConnectionError });
}

/** Advisory lock key of the reconciler ("pag0" ledger, 10): one instance per database runs it. */
export const RECONCILER_LOCK_KEY = 7061673010n;

/**
 * The ledger named by config (Postgres, Supabase REST, or the embedded PGlite shared by every process on the data
 * dir), opened in the background so the server answers at once; calls wait for it, and the local budget is seeded
 * first. If it cannot be reached, calls fail closed and the next one tries again. `jobLock` gives the leadership of
 * a background job: a Postgres advisory lock, the data dir's owner for the embedded ledger; with Supabase REST
 * (no database session to hold a lock) every instance runs the jobs, which are replay-safe.
 */
function openLedger(config: Config, log: Logger): { ledger: Ledger; jobLock: (key: bigint) => AnchorLock } {
  const settings = config.ledger;
  const embedded =
    settings.kind === "pglite"
      ? embeddedClient({
          dataDir: settings.dataDir,
          migrationsDir: MIGRATIONS_DIR,
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
  return { ledger, jobLock };
}
