import { type Alerter, silentAlerter } from "./alerts/alerter.js";
import { watchLedger } from "./alerts/watchLedger.js";
import { watchOutcomes } from "./alerts/watchOutcomes.js";
import { alerterFromConfig } from "./app/alerterFromConfig.js";
import { lazyAnchorer, lazyPayer, lazyReconciler, lazyUpstreamFetch } from "./app/lazyAdapters.js";
import { openCache } from "./app/openCache.js";
import { openLedger } from "./app/openLedger.js";
import { openRateCounter } from "./app/openRateCounter.js";
import type { Anchorer } from "./audit/anchorer.js";
import { type BacklogGate, backlogGate } from "./audit/backlogGate.js";
import type { ResponseCache } from "./cache/responseCache.js";
import type { Config } from "./config/loadConfig.js";
import { type InstanceLease, instanceLease } from "./jobs/instanceLease.js";
import { ANCHORER_LOCK_KEY, processLock, RECONCILER_LOCK_KEY } from "./jobs/jobLock.js";
import { lazy } from "./lazy.js";
import { budgetSnapshot } from "./ledger/budgetSnapshot.js";
import type { BudgetLimits, Ledger } from "./ledger/ledger.js";
import { type SavingsWriter, savingsWriter } from "./ledger/savingsWriter.js";
import type { Logger } from "./logger.js";
import { createMetrics, type Metrics } from "./metrics.js";
import type { Reconciler } from "./payment/reconciler.js";
import { createWallet, type Wallet } from "./payment/wallet.js";
import type { X402Payer } from "./payment/x402Payer.js";
import type { CallContext } from "./pipeline/context.js";
import type { RateCounter } from "./server/rateLimitStore.js";
import { type ToolSeam, toolSeam } from "./server/toolSeam.js";
import { getBudget } from "./tools/getBudget.js";
import { configInstructions } from "./tools/instructions.js";
import { listSpend } from "./tools/listSpend.js";
import { paidFetch } from "./tools/paidFetch.js";
import type { UpstreamFetch } from "./upstream/upstreamFetch.js";

/**
 * Pag0, assembled once per process: every adapter, chain client and background job, the pipeline, and the tools
 * with their published schemas. Transports (stdio, HTTP sessions, stateless requests) make only their MCP server
 * objects from `tools`; commands take the adapters they need from here.
 */
export interface App {
  config: Config;
  log: Logger;
  metrics: Metrics;
  ledger: Ledger;
  wallet: Wallet | null;
  payer: X402Payer | null;
  fetch: UpstreamFetch;
  /** the paid-response cache store (memory, Redis or Upstash) */
  cache: ResponseCache;
  /** the HTTP rate limits' counters: the Redis/Upstash cache store, else a Postgres/Supabase ledger, else memory */
  rateCounter: RateCounter;
  savings: SavingsWriter;
  reconciler: Reconciler;
  /** this process's lease in the ledger, renewed in the background: its signed payments are its own while fresh */
  lease: InstanceLease;
  /** anchors audit receipts on SKALE in the background; null when anchoring is not configured */
  anchorer: Anchorer | null;
  /** refuses paid calls with AUDIT_BACKLOG in strict mode when anchoring lags */
  auditGate: BacklogGate;
  /** posts alerts to ALERT_WEBHOOK_URL off the call path (a silent one without it) */
  alerter: Alerter;
  /** the three tools, prepared once: what every MCP server object of this process serves */
  tools: ToolSeam;
  /** what the model reads at `initialize`, for a principal with these limits (default: the configured ones) */
  instructions(limits?: BudgetLimits): string;
  /**
   * Opens the ledger and starts the background jobs (reconciler, anchorer). A server calls it once it can answer:
   * `pag0 stdio` after `initialize`, so that PGlite's start does not delay the answer. Calls open the ledger anyway.
   */
  start(): void;
  /** Stops the background jobs, writes queued savings, then closes the cache and the ledger. */
  stop(): Promise<void>;
}

/** Adapters a test (or an embedding host) brings instead of those config names. */
export type AppOverrides = Partial<Pick<App, "ledger" | "fetch" | "cache">>;

export function createApp(config: Config, log: Logger, overrides: AppOverrides = {}): App {
  const metrics = createMetrics();
  const alerter = alerterFromConfig(config, log, metrics);
  const opened = overrides.ledger
    ? { ledger: overrides.ledger, open: async () => {}, jobLock: processLock }
    : openLedger(config, log);
  const { open, jobLock } = opened;
  // every user of the ledger (calls, jobs) reports its outages to the alerter
  const ledger = alerter === silentAlerter ? opened.ledger : watchLedger(opened.ledger, alerter);
  const wallet = config.walletPrivateKey ? createWallet(config.walletPrivateKey) : null;
  if (!wallet) log.warn("WALLET_PRIVATE_KEY is not set: free calls work, paid calls are refused");
  const cache = overrides.cache ?? openCache(config, log);
  const payer = wallet ? lazyPayer(wallet, config.networks) : null;
  const fetch =
    overrides.fetch ??
    lazyUpstreamFetch({
      allowPrivate: config.allowPrivateHosts,
      timeoutMs: config.upstream.timeoutMs,
      maxResponseBytes: config.upstream.maxResponseBytes,
    });
  const anchorer = lazyAnchorer(config, {
    store: ledger,
    // one anchorer per database, whatever the number of instances
    lock: jobLock(ANCHORER_LOCK_KEY),
    log: log.child({ job: "anchorer" }),
    metrics: metrics.audit,
  });
  const lease = instanceLease({
    store: ledger,
    log: log.child({ job: "lease" }),
    // on the embedded ledger the owner may have exited first: giving the lease up would take its data dir over
    // (PGlite's start, and the lock) on the way out; the lease lapses after its ttl instead
    releaseOnStop: ledger.kind !== "pglite",
  });
  const reconciler = lazyReconciler({
    ledger,
    networks: config.networks,
    log: log.child({ job: "reconciler" }),
    signedGraceMs: Math.max(2 * config.upstream.timeoutMs, 60_000),
    expirySkewSeconds: config.expirySkewSeconds,
    lock: jobLock(RECONCILER_LOCK_KEY),
  });
  let backlogCrossings = 0;
  const auditGate = backlogGate({
    store: ledger,
    strict: config.audit.strict,
    anchoring: config.audit.anchoring,
    maxBacklogSeconds: config.audit.maxBacklogSeconds,
    metrics: metrics.audit,
    log,
    onOverLimit: (details) => alerter.notify({ kind: "audit_backlog", ...details, crossing: ++backlogCrossings }),
  });
  const savings = savingsWriter(ledger, { log: log.child({ job: "savings" }) });
  // one snapshot serves precheck (the principal's host lists) and paid_fetch's budget: one read per principal a second
  const budget = budgetSnapshot(ledger);
  // the pipeline's modules (x402, audit, policy) load at the first call, not before `initialize` is answered
  const pipeline = lazy(async () =>
    (await import("./app/pipeline.js")).createPipeline({
      config,
      fetch,
      ledger,
      payer,
      metrics,
      cache,
      savings,
      auditGate,
      budget,
      signer: lease.signer,
    }),
  );
  const tools = toolSeam(
    [
      paidFetch({
        run: watchOutcomes(async (ctx: CallContext) => (await pipeline())(ctx), alerter),
        budget,
      }),
      getBudget({ ledger, savings, policy: config.policy, networks: [...config.networks.keys()] }),
      listSpend({ ledger, savings }),
    ],
    { log, metrics: metrics.tools },
  );
  return {
    config,
    log,
    metrics,
    ledger,
    wallet,
    payer,
    fetch,
    cache,
    rateCounter: openRateCounter(config, cache, ledger),
    savings,
    reconciler,
    lease,
    anchorer,
    auditGate,
    alerter,
    tools,
    // string building only (the wallet's address is known): this runs for every MCP server object
    instructions: (limits) => configInstructions(config, limits, wallet?.address ?? null),
    start() {
      open().catch(() => {}); // logged by openLedger; each call reports its own failure
      lease.start();
      reconciler.start(config.reconcileIntervalMs);
      anchorer?.start();
    },
    async stop() {
      await reconciler.stop();
      await lease.stop();
      await anchorer?.stop();
      await savings.close();
      await cache.close();
      await alerter.close();
      await ledger.close();
    },
  };
}
