import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { ResponseCache } from "../cache/responseCache.js";
import type { CacheStageDeps } from "./cacheStage.js";
import type { CallContext, Outcome } from "./context.js";

// How the cache stage lives with a cache store that fails (it goes on without it) and with concurrent identical
// calls, in one process (one of them buys, the others wait) or across instances sharing a store (a lease).

/** How often an instance waiting on another one's lease looks for the entry it is buying. */
const LEASE_POLL_MS = 25;

/** Marks a call in flight for `key` until the returned function is called. */
export function claim(inflight: Map<string, Promise<void>>, key: string): () => void {
  let resolve = () => {};
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  inflight.set(key, done);
  return () => {
    if (inflight.get(key) === done) inflight.delete(key);
    resolve();
  };
}

/** Runs cache operations so that a failing store is skipped, not fatal: a warning when it fails, then a pause. */
export function failOpen(deps: Pick<CacheStageDeps, "cache" | "metrics" | "retryAfterMs">) {
  let retryAt = 0;
  const attempt = async function attempt<T>(
    ctx: CallContext,
    op: "get" | "set" | "lease",
    run: () => Promise<T>,
  ): Promise<T | undefined> {
    if (performance.now() < retryAt) {
      deps.metrics.bypassed.inc({ op });
      return undefined;
    }
    try {
      return await run();
    } catch (e) {
      const pauseMs = deps.retryAfterMs ?? 5_000;
      retryAt = performance.now() + pauseMs;
      deps.metrics.bypassed.inc({ op });
      ctx.log.warn(
        { cache: deps.cache.kind, op, reason: e instanceof Error ? e.message : String(e), pauseMs },
        "cache bypassed: the cache store failed; calls go on without it (paying as usual) and it is retried shortly",
      );
      return undefined;
    }
  };
  /** whether the store is being skipped after a failure */
  const paused = () => performance.now() < retryAt;
  return Object.assign(attempt, { paused });
}

/**
 * Instances sharing a store: take the request's lease, or wait while another instance holds it and serve what it
 * bought. The store is never trusted for money: a lease that cannot be taken (store down) or that outlives
 * `leaseMs` lets the call go on, and the ledger decides the payment as always.
 */
export async function leadAcrossInstances(
  deps: {
    cache: ResponseCache;
    attempt: ReturnType<typeof failOpen>;
    leaseMs: number;
    /** what the lease holder bought, served as a hit, once it is there */
    boughtMeanwhile: () => Promise<Outcome | null>;
  },
  ctx: CallContext,
  leaseKey: string,
): Promise<{ kind: "hit"; hit: Outcome } | { kind: "go"; release?: () => Promise<void> }> {
  const token = randomUUID();
  const deadline = performance.now() + deps.leaseMs;
  for (;;) {
    const taken = await deps.attempt(ctx, "lease", () => deps.cache.acquire(leaseKey, token, deps.leaseMs));
    if (taken) return { kind: "go", release: () => deps.cache.release(leaseKey, token) };
    if (taken === undefined || performance.now() > deadline || ctx.signal.aborted) return { kind: "go" };
    await sleep(LEASE_POLL_MS);
    const hit = await deps.boughtMeanwhile();
    if (hit) return { kind: "hit", hit };
  }
}
