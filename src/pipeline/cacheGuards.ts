import type { CacheStageDeps } from "./cacheStage.js";
import type { CallContext } from "./context.js";

// How the cache stage lives with a cache store that fails (it goes on without it) and with concurrent identical
// calls in one process (one of them buys, the others wait).

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
