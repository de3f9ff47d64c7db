import type { Deps } from "../deps.js";
import { compose } from "./compose.js";
import type { CallContext, Outcome } from "./context.js";
import { paymentStage } from "./paymentStage.js";
import { precheckStage } from "./precheckStage.js";

/** How long a retry with a used idempotency key waits for the first attempt to finish. */
const REPLAY_WAIT_MS = 30_000;

/** The paid_fetch pipeline in call order: precheck (URL, hosts) → payment (upstream, quote, policy, ledger, x402). */
export function createPipeline(
  deps: Pick<Deps, "config" | "fetch" | "ledger" | "payer">,
): (ctx: CallContext) => Promise<Outcome> {
  const { config } = deps;
  return compose([
    precheckStage(config.policy),
    paymentStage({
      fetch: deps.fetch,
      ledger: deps.ledger,
      payer: deps.payer,
      rules: {
        usdcByNetwork: new Map([...config.networks.values()].map((n) => [n.id, n.usdc.address])),
        allowedPayees: config.policy.allowedPayees,
        blockedPayees: config.policy.blockedPayees,
        perRequest: config.policy.limits.perRequest,
        maxTimeoutSeconds: config.policy.maxTimeoutSeconds,
      },
      maxResponseBytes: config.upstream.maxResponseBytes,
      reservationTtlSeconds: config.reservationTtlSeconds,
      replayWaitMs: REPLAY_WAIT_MS,
    }),
  ]);
}
