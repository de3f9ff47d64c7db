import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "./config.js";
import { deferredLedger } from "./ledger/deferredLedger.js";
import type { Ledger } from "./ledger/ledger.js";
import { openPglite } from "./ledger/pgliteClient.js";
import { sqlLedger } from "./ledger/sqlLedger.js";
import type { Logger } from "./logger.js";
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
}

/** The principal of the local (stdio) user. */
export const LOCAL_PRINCIPAL = "local";

export function createDeps(config: Config, log: Logger, overrides: Partial<Pick<Deps, "ledger" | "fetch">> = {}): Deps {
  const ledger = overrides.ledger ?? openEmbeddedLedger(config, log);
  const wallet = config.walletPrivateKey ? createWallet(config.walletPrivateKey) : null;
  if (!wallet) log.warn("WALLET_PRIVATE_KEY is not set: free calls work, paid calls are refused");
  return {
    config,
    log,
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
    reconciler: createReconciler({
      ledger,
      networks: config.networks,
      log: log.child({ job: "reconciler" }),
      signedGraceMs: Math.max(2 * config.upstream.timeoutMs, 60_000),
      expirySkewSeconds: config.expirySkewSeconds,
    }),
  };
}

/** PGlite in the data dir, opened in the background so the server answers at once; the local budget is seeded. */
function openEmbeddedLedger(config: Config, log: Logger): Ledger {
  const opening = (async () => {
    const started = performance.now();
    const ledger = sqlLedger(
      await openPglite({ dataDir: join(config.dataDir, "ledger"), migrationsDir: MIGRATIONS_DIR }),
    );
    await ledger.upsertPrincipal(LOCAL_PRINCIPAL, config.policy.limits);
    log.info({ ms: Math.round(performance.now() - started), dataDir: config.dataDir }, "ledger ready");
    return ledger;
  })();
  opening.catch((err) => log.error({ err }, "the ledger could not be opened: paid calls are refused"));
  return deferredLedger(opening, "pglite");
}
