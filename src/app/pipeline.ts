import type { BacklogGate } from "../audit/backlogGate.js";
import type { ResponseCache } from "../cache/responseCache.js";
import type { Config } from "../config/loadConfig.js";
import type { Ledger } from "../ledger/ledger.js";
import type { SavingsWriter } from "../ledger/savingsWriter.js";
import type { Metrics } from "../metrics.js";
import type { X402Payer } from "../payment/x402Payer.js";
import { cacheStage } from "../pipeline/cacheStage.js";
import { compose, type Stage } from "../pipeline/compose.js";
import type { CallContext, Outcome } from "../pipeline/context.js";
import { paymentStage } from "../pipeline/paymentStage.js";
import { precheckStage } from "../pipeline/precheckStage.js";
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
}

/**
 * The paid_fetch pipeline in call order, built once per process (createApp loads this module at the first call):
 * precheck (URL, hosts) → cache (paid responses already bought) → payment (upstream, quote, policy, ledger, x402).
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
  return compose([
    precheckStage(config.policy),
    ...cache,
    paymentStage({
      fetch: parts.fetch,
      networks: config.networks,
      ledger: parts.ledger,
      payer: parts.payer,
      rules: {
        usdcByNetwork: new Map([...config.networks.values()].map((n) => [n.id, n.usdc])),
        allowedPayees: config.policy.allowedPayees,
        blockedPayees: config.policy.blockedPayees,
        perRequest: config.policy.limits.perRequest,
        maxTimeoutSeconds: config.policy.maxTimeoutSeconds,
      },
      maxResponseBytes: config.upstream.maxResponseBytes,
      reservationTtlSeconds: config.reservationTtlSeconds,
      replayWaitMs: REPLAY_WAIT_MS,
      approvalThreshold: config.policy.approvalThreshold,
      approvalTtlSeconds: APPROVAL_TTL_SECONDS,
      metrics: parts.metrics.tools,
      auditGate: parts.auditGate,
    }),
  ]);
}
