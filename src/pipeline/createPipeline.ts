import type { Deps } from "../deps.js";
import { cacheStage } from "./cacheStage.js";
import { compose, type Stage } from "./compose.js";
import type { CallContext, Outcome } from "./context.js";
import { paymentStage } from "./paymentStage.js";
import { precheckStage } from "./precheckStage.js";

/** How long a retry with a used idempotency key waits for the first attempt to finish. */
const REPLAY_WAIT_MS = 30_000;
/** How long a human has to approve a payment out of band. */
const APPROVAL_TTL_SECONDS = 3_600;

/**
 * The paid_fetch pipeline in call order: precheck (URL, hosts) → cache (paid responses already bought) → payment
 * (upstream, quote, policy, ledger, x402).
 */
export function createPipeline(
  deps: Pick<Deps, "config" | "fetch" | "ledger" | "payer" | "metrics" | "cache"> & Partial<Pick<Deps, "auditGate">>,
): (ctx: CallContext) => Promise<Outcome> {
  const { config } = deps;
  const cache: Stage[] = config.cache.enabled
    ? [
        cacheStage({
          cache: deps.cache,
          ledger: deps.ledger,
          metrics: deps.metrics.cache,
          policy: config.cache,
          keyPrefix: config.cache.keyPrefix,
        }),
      ]
    : [];
  return compose([
    precheckStage(config.policy),
    ...cache,
    paymentStage({
      fetch: deps.fetch,
      networks: config.networks,
      ledger: deps.ledger,
      payer: deps.payer,
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
      metrics: deps.metrics.tools,
      auditGate: deps.auditGate,
    }),
  ]);
}
