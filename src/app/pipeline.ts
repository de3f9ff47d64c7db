import type { BacklogGate } from "../audit/backlogGate.js";
import type { ResponseCache } from "../cache/responseCache.js";
import type { Config } from "../config/loadConfig.js";
import { usdcByNetwork } from "../config/networks.js";
import { type BudgetSnapshot, budgetSnapshot } from "../ledger/budgetSnapshot.js";
import type { Signer } from "../ledger/instanceStore.js";
import type { Ledger } from "../ledger/ledger.js";
import type { SavingsWriter } from "../ledger/savingsWriter.js";
import type { Metrics } from "../metrics.js";
import type { X402Payer } from "../payment/x402Payer.js";
import { cacheStage } from "../pipeline/cacheStage.js";
import { compose, type Stage } from "../pipeline/compose.js";
import type { CallContext, Outcome } from "../pipeline/context.js";
import { fetchStage } from "../pipeline/fetchStage.js";
import { paymentStage } from "../pipeline/paymentStage.js";
import { precheckStage } from "../pipeline/precheckStage.js";
import { principalHosts } from "../pipeline/principalHosts.js";
import { quoteStage } from "../pipeline/quoteStage.js";
import type { UpstreamFetch } from "../upstream/upstreamFetch.js";

/** How long a retry with a used idempotency key waits for the first attempt to finish. */
const REPLAY_WAIT_MS = 30_000;
/** How long a human has to approve a payment out of band. */
const APPROVAL_TTL_SECONDS = 3_600;

export interface PipelineParts {
  config: Config;
  fetch: UpstreamFetch;
  ledger: Ledger;
  payer: X402Payer | null;
  metrics: Metrics;
  cache: ResponseCache;
  savings: SavingsWriter;
  auditGate?: BacklogGate;
  /** the budget snapshot paid_fetch reads too (default: one of its own); precheck takes host lists from it */
  budget?: Pick<BudgetSnapshot, "get">;
  /** this process's instance lease, recorded with every signature */
  signer?: Signer;
}

/**
 * The paid_fetch pipeline in call order, built once per process (createApp loads this module at the first call):
 * precheck (URL, hosts) → cache (paid responses already bought) → payment (reserve, sign, settle) → quote (read and
 * screen a 402) → fetch (the upstream request). A free answer comes back up through every stage untouched.
 */
export function createPipeline(parts: PipelineParts): (ctx: CallContext) => Promise<Outcome> {
  const { config } = parts;
  const cache: Stage[] = config.cache.enabled
    ? [
        cacheStage({
          cache: parts.cache,
          ledger: parts.ledger,
          savings: parts.savings,
          metrics: parts.metrics.cache,
          policy: config.cache,
          keyPrefix: config.cache.keyPrefix,
          leaseMs: Math.min(config.upstream.timeoutMs, 15_000),
        }),
      ]
    : [];
  const run = compose([
    precheckStage({
      ...config.policy,
      principalHosts: principalHosts(parts.budget ?? budgetSnapshot(parts.ledger)),
    }),
    ...cache,
    paymentStage({
      fetch: parts.fetch,
      ledger: parts.ledger,
      payer: parts.payer,
      maxResponseBytes: config.upstream.maxResponseBytes,
      metrics: parts.metrics.tools,
      reservationTtlSeconds: config.reservationTtlSeconds,
      replayWaitMs: REPLAY_WAIT_MS,
      approval: { threshold: config.policy.approvalThreshold, ttlSeconds: APPROVAL_TTL_SECONDS },
      signer: parts.signer,
    }),
    quoteStage({
      networks: config.networks,
      ledger: parts.ledger,
      canPay: parts.payer !== null,
      rules: {
        usdcByNetwork: usdcByNetwork(config.networks),
        allowedPayees: config.policy.allowedPayees,
        blockedPayees: config.policy.blockedPayees,
        perRequest: config.policy.limits.perRequest,
        maxTimeoutSeconds: config.policy.maxTimeoutSeconds,
      },
      auditGate: parts.auditGate,
    }),
    fetchStage({ fetch: parts.fetch, maxResponseBytes: config.upstream.maxResponseBytes }),
  ]);
  return async function paidFetchPipeline(ctx) {
    const outcome = await run(ctx);
    if (outcome.kind === "quoted")
      throw new Error("a quote left the pipeline unpaid: payment must wrap the quote stage");
    return outcome;
  };
}
