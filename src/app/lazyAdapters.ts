import type { Anchorer } from "../audit/anchorer.js";
import type { AuditMetrics } from "../audit/auditMetrics.js";
import type { Config } from "../config/loadConfig.js";
import type { JobLock } from "../jobs/jobLock.js";
import { lazy, loadedValue, startJob, stopJob } from "../lazy.js";
import type { AuditStore } from "../ledger/auditStore.js";
import type { Logger } from "../logger.js";
import type { Reconciler, ReconcilerDeps } from "../payment/reconciler.js";
import type { Wallet } from "../payment/wallet.js";
import type { X402Payer } from "../payment/x402Payer.js";
import type { UpstreamFetch, UpstreamFetchOptions } from "../upstream/upstreamFetch.js";

// The heavy adapters, each imported at its first use, so that `pag0 stdio` answers `initialize` without them.

/** The official x402 client, loaded at the first payment. */
export function lazyPayer(wallet: Wallet, networks: Config["networks"]): X402Payer {
  const payer = lazy(async () => (await import("../payment/x402Payer.js")).createX402Payer({ wallet, networks }));
  return { sign: async (paymentRequired, options) => (await payer()).sign(paymentRequired, options) };
}

/** undici, loaded at the first upstream call. */
export function lazyUpstreamFetch(options: UpstreamFetchOptions): UpstreamFetch {
  const upstream = lazy(async () => (await import("../upstream/upstreamFetch.js")).createUpstreamFetch(options));
  return Object.assign(
    async (input: Parameters<UpstreamFetch>[0], init?: RequestInit) => (await upstream())(input, init),
    {
      close: async () => (await loadedValue(upstream))?.close(),
    },
  );
}

/** The reconciler and its chain clients, loaded when it starts (or first runs). */
export function lazyReconciler(deps: Omit<ReconcilerDeps, "clientFor">): Reconciler {
  const reconciler = lazy(async () => {
    const [{ createReconciler }, { paymentChainClients }] = await Promise.all([
      import("../payment/reconciler.js"),
      import("./chainClients.js"),
    ]);
    return createReconciler({ ...deps, clientFor: paymentChainClients() });
  });
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

/** What the anchorer runs on besides its config. */
export interface AnchorerSettings {
  store: AuditStore;
  lock: JobLock;
  log: Logger;
  metrics: AuditMetrics;
}

/** The audit anchorer the config asks for, loaded when it starts; null when anchoring is not configured. */
export function lazyAnchorer(config: Config, deps: AnchorerSettings): Anchorer | null {
  if (!config.audit.anchoring) {
    deps.log.info("audit anchoring is not configured: receipts are kept in the ledger and not anchored");
    return null;
  }
  let loaded: Anchorer | undefined;
  const anchorer = lazy(async () => {
    loaded = (await import("./anchorerFromConfig.js")).anchorerFromConfig(config.audit, deps);
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
