import { fileURLToPath } from "node:url";
import type { Anchorer } from "./audit/anchorer.js";
import type { AnchorerSettings } from "./audit/anchorerFromConfig.js";
import { ANCHORER_LOCK_KEY, type AnchorLock, postgresAdvisoryLock, processLock } from "./audit/anchorLock.js";
import { type BacklogGate, backlogGate } from "./audit/backlogGate.js";
import { memoryCache } from "./cache/memoryCache.js";
import type { ResponseCache } from "./cache/responseCache.js";
import type { Config } from "./config.js";
import { lazy, loadedValue, startJob, stopJob } from "./lazy.js";
import { deferredLedger } from "./ledger/deferredLedger.js";
import { embeddedClient } from "./ledger/embeddedClient.js";
import type { Ledger } from "./ledger/ledger.js";
import { openPostgres } from "./ledger/postgresClient.js";
import { sqlLedger } from "./ledger/sqlLedger.js";
import { openSupabase } from "./ledger/supabaseClient.js";
import type { Logger } from "./logger.js";
import { createMetrics, type Metrics } from "./metrics.js";
import type { Reconciler, ReconcilerDeps } from "./payment/reconciler.js";
import { createWallet, type Wallet } from "./payment/wallet.js";
import type { X402Payer } from "./payment/x402Payer.js";
import type { UpstreamFetch, UpstreamFetchOptions } from "./upstream/upstreamFetch.js";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../supabase/migrations", import.meta.url));

/**
 * Everything the app runs on, chosen from config. The only module that imports adapters; the heavy ones (the x402
 * client, chain clients, undici) are imported on first use, so a server answers `initialize` without loading them.
 */
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
  /**
   * Opens the ledger and starts the background jobs (reconciler, anchorer). A server calls it once it can answer:
   * `pag0 stdio` after `initialize`, so that PGlite's start does not delay the answer. Calls open the ledger anyway.
   */
  start(): void;
  /** Stops the background jobs, then closes the cache and the ledger. */
  stop(): Promise<void>;
}

/** The principal of the local (stdio) user. */
export const LOCAL_PRINCIPAL = "local";

export function createDeps(
  config: Config,
  log: Logger,
  overrides: Partial<Pick<Deps, "ledger" | "fetch" | "cache">> = {},
): Deps {
  const { ledger, open, jobLock } = overrides.ledger
    ? { ledger: overrides.ledger, open: async () => {}, jobLock: processLock }
    : openLedger(config, log);
  const wallet = config.walletPrivateKey ? createWallet(config.walletPrivateKey) : null;
  if (!wallet) log.warn("WALLET_PRIVATE_KEY is not set: free calls work, paid calls are refused");
  const metrics = createMetrics();
  const cache = overrides.cache ?? openCache(config, log);
  const anchorer = openAnchorer(config, {
    store: ledger,
    // one anchorer per database, whatever the number of instances
    lock: jobLock(ANCHORER_LOCK_KEY),
    log: log.child({ job: "anchorer" }),
    metrics: metrics.audit,
  });
  const reconciler = lazyReconciler({
    ledger,
    networks: config.networks,
    log: log.child({ job: "reconciler" }),
    signedGraceMs: Math.max(2 * config.upstream.timeoutMs, 60_000),
    expirySkewSeconds: config.expirySkewSeconds,
    lock: jobLock(RECONCILER_LOCK_KEY),
  });
  return {
    config,
    log,
    metrics,
    ledger,
    wallet,
    payer: wallet ? lazyPayer(wallet, config.networks) : null,
    fetch:
      overrides.fetch ??
      lazyUpstreamFetch({
        allowPrivate: config.allowPrivateHosts,
        timeoutMs: config.upstream.timeoutMs,
        maxResponseBytes: config.upstream.maxResponseBytes,
      }),
    cache,
    anchorer,
    auditGate: backlogGate({
      store: ledger,
      strict: config.audit.strict,
      anchoring: config.audit.anchoring,
      maxBacklogSeconds: config.audit.maxBacklogSeconds,
      metrics: metrics.audit,
      log,
    }),
    reconciler,
    start() {
      open().catch(() => {}); // logged by openLedger; each call reports its own failure
      reconciler.start(config.reconcileIntervalMs);
      anchorer?.start();
    },
    async stop() {
      await reconciler.stop();
      await anchorer?.stop();
      await cache.close();
      await ledger.close();
    },
  };
}

/** The official x402 client, loaded at the first payment. */
function lazyPayer(wallet: Wallet, networks: Config["networks"]): X402Payer {
  const payer = lazy(async () => (await import("./payment/x402Payer.js")).createX402Payer({ wallet, networks }));
  return { sign: async (paymentRequired, options) => (await payer()).sign(paymentRequired, options) };
}

/** undici, loaded at the first upstream call. */
function lazyUpstreamFetch(options: UpstreamFetchOptions): UpstreamFetch {
  const upstream = lazy(async () => (await import("./upstream/upstreamFetch.js")).createUpstreamFetch(options));
  return Object.assign(
    async (input: Parameters<UpstreamFetch>[0], init?: RequestInit) => (await upstream())(input, init),
    {
      close: async () => (await loadedValue(upstream))?.close(),
    },
  );
}

/** The reconciler and its chain clients, loaded when it starts (or first runs). */
function lazyReconciler(deps: ReconcilerDeps): Reconciler {
  const reconciler = lazy(async () => (await import("./payment/reconciler.js")).createReconciler(deps));
  return {
    runOnce: async () => (await reconciler()).runOnce(),
    start: (intervalMs) =>
      startJob(
        reconciler,
        (r) => r.start(intervalMs),
        (err) => deps.log.error({ err }, "the reconciler could not start"),
      ),
    stop: () => stopJob(reconciler),
  };
}

/** The audit anchorer the config asks for, loaded when it starts; null when anchoring is not configured. */
function openAnchorer(config: Config, deps: AnchorerSettings): Anchorer | null {
  if (!config.audit.anchoring) {
    deps.log.info("audit anchoring is not configured: receipts are kept in the ledger and not anchored");
    return null;
  }
  let loaded: Anchorer | undefined;
  const anchorer = lazy(async () => {
    loaded = (await import("./audit/anchorerFromConfig.js")).anchorerFromConfig(config.audit, deps);
    return loaded;
  });
  return {
    tick: async (options) => (await anchorer()).tick(options),
    start: () =>
      startJob(
        anchorer,
        (a) => a.start(),
        (err) => deps.log.error({ err }, "the audit anchorer could not start"),
      ),
    stop: () => stopJob(anchorer),
    get halted() {
      return loaded?.halted ?? null;
    },
  };
}

/**
 * The cache store named by config; the Redis and Upstash clients are loaded at the first cache operation (they
 * connect then too). Their connection problems are logged at debug (each call reports its own).
 */
function openCache({ cache }: Config, log: Logger): ResponseCache {
  const { store, timeoutMs } = cache;
  if (store.kind === "memory") return memoryCache({ maxBytes: store.maxBytes });
  log.info({ cache: store.kind, host: new URL(store.url).host }, "paid-response cache store");
  const remote = lazy(async () => {
    if (store.kind === "upstash") {
      return (await import("./cache/upstashCache.js")).upstashCache({ url: store.url, token: store.token, timeoutMs });
    }
    const onConnectionError = (e: Error) => log.debug({ cache: "redis", reason: e.message }, "redis connection error");
    return (await import("./cache/redisCache.js")).redisCache({ url: store.url, timeoutMs, onConnectionError });
  });
  return {
    kind: store.kind,
    get: async (key) => (await remote()).get(key),
    set: async (key, value, ttlSeconds) => (await remote()).set(key, value, ttlSeconds),
    delete: async (key) => (await remote()).delete(key),
    close: async () => (await loadedValue(remote))?.close(),
  };
}

/** Advisory lock key of the reconciler ("pag0" ledger, 10): one instance per database runs it. */
export const RECONCILER_LOCK_KEY = 7061673010n;

/**
 * The ledger named by config (Postgres, Supabase REST, or the embedded PGlite shared by every process on the data
 * dir), opened in the background at the first call or `open()`, so the server answers at once; calls wait for
 * it, and the local budget is seeded first. If it cannot be reached, calls fail closed and the next one tries again. `jobLock` gives the leadership of
 * a background job: a Postgres advisory lock, the data dir's owner for the embedded ledger; with Supabase REST
 * (no database session to hold a lock) every instance runs the jobs, which are replay-safe.
 */
function openLedger(
  config: Config,
  log: Logger,
): { ledger: Ledger; open: () => Promise<void>; jobLock: (key: bigint) => AnchorLock } {
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
  return { ledger, open: () => ledger.open(), jobLock };
}
