import type { UpstreamFetch } from "../upstream/upstreamFetch.js";
import type { Stage } from "./compose.js";
import type { CallContext } from "./context.js";
import { readUpstream } from "./upstreamResult.js";

export interface FetchStageDeps {
  fetch: UpstreamFetch;
  maxResponseBytes: number;
}

/**
 * The terminal stage: one request to the upstream, as the agent wrote it. A free answer ends the call here; a 402
 * goes back up to the quote stage like any other answer.
 */
export function fetchStage(deps: FetchStageDeps): Stage {
  return async function fetchStage(ctx) {
    const res = await deps.fetch(ctx.request.url, upstreamInit(ctx));
    const response = await readUpstream(res, deps.maxResponseBytes);
    const answeredBy = res.url ? new URL(res.url).origin : ctx.request.url.origin;
    if (answeredBy !== ctx.request.url.origin) response.answeredBy = answeredBy;
    return { kind: "response", response, payment: null, spend: null };
  };
}

/** The agent's request, with the payment headers on the paid retry. */
export function upstreamInit(ctx: CallContext, paymentHeaders?: Record<string, string>): RequestInit {
  return {
    method: ctx.request.method,
    headers: { ...ctx.request.headers, ...paymentHeaders },
    body: ctx.request.body,
    // once a payment is sent, a cancelled call still waits for its outcome (the upstream timeout still applies):
    // the money may move either way, and the ledger must learn which
    signal: paymentHeaders ? undefined : ctx.signal,
  };
}
