import {
  type CacheEntry,
  encodeEntry,
  encodeVary,
  entryResponse,
  slotDecoder,
  validators,
} from "../cache/cacheEntry.js";
import { baseKey, variantKey } from "../cache/cacheKey.js";
import { type CachePolicy, type HostCacheRule, planRequest, planStore } from "../cache/cachePolicy.js";
import type { ResponseCache } from "../cache/responseCache.js";
import type { CacheHitInput, Ledger, SpendRow } from "../ledger/ledger.js";
import type { SavingsWriter } from "../ledger/savingsWriter.js";
import type { CacheMetrics } from "../metrics.js";
import { redactUrl } from "../redact.js";
import { claim, failOpen, leadAcrossInstances } from "./cacheGuards.js";
import type { Stage } from "./compose.js";
import type { CallContext, Delivered, Outcome, StageOutcome, UpstreamResult } from "./context.js";

export interface CacheStageDeps {
  cache: ResponseCache;
  ledger: Pick<Ledger, "recordCacheHit">;
  /** savings of calls without the agent's own idempotency key are written behind the response */
  savings: Pick<SavingsWriter, "record">;
  metrics: CacheMetrics;
  policy: CachePolicy;
  keyPrefix: string;
  /** epoch ms, for freshness; injectable so expiry can be tested without waiting */
  now?: () => number;
  /** after the cache store fails, calls go on without it for this long before it is tried again */
  retryAfterMs?: number;
  /**
   * With a shared store (Redis, Upstash), how long one instance may hold the lease on a request it is buying while
   * the other instances wait for its entry; past it they go on, and the ledger decides as always.
   */
  leaseMs?: number;
}

interface Keys {
  principal: string;
  shared: string | null;
}

type Price = CacheEntry["price"];

/**
 * Between policy and payment: a fresh entry already paid for is served at no cost (a zero-cost ledger row records
 * the saving); anything else goes on to the payment stage, whose fresh settled purchase is then stored if its
 * response allows. The cache can only answer with what was bought: it never approves, skips or makes a payment.
 * A failing cache store is bypassed (a warning, a metric) and calls go on as if there were no cache.
 * A miss while an identical call is in flight waits for it, so a burst of the same request pays once.
 */
export function cacheStage(deps: CacheStageDeps): Stage {
  const now = deps.now ?? Date.now;
  const attempt = failOpen(deps);
  const inflight = new Map<string, Promise<void>>();

  const decode = slotDecoder();

  async function read(base: string, headers: Record<string, string>): Promise<CacheEntry | null> {
    const slot = decode(base, await deps.cache.get(base));
    if (slot?.t !== "vary") return slot?.entry ?? null;
    const key = variantKey(base, slot.vary, headers);
    const variant = decode(key, await deps.cache.get(key));
    return variant?.t === "entry" ? variant.entry : null;
  }

  async function lookup(ctx: CallContext, keys: Keys): Promise<CacheEntry[]> {
    const bases = keys.shared ? [keys.principal, keys.shared] : [keys.principal];
    const found = await attempt(ctx, "get", () => Promise.all(bases.map((b) => read(b, ctx.request.headers))));
    return (found ?? []).filter((e): e is CacheEntry => e !== null).sort((a, b) => b.storedAt - a.storedAt);
  }

  /** The newest fresh entry, else the newest stale one that can be revalidated. */
  async function find(ctx: CallContext, keys: Keys): Promise<{ fresh?: CacheEntry; stale?: CacheEntry }> {
    const started = performance.now();
    const entries = await lookup(ctx, keys);
    const fresh = entries.find((e) => e.freshUntil > now());
    deps.metrics.lookupSeconds.observe({ result: fresh ? "hit" : "miss" }, (performance.now() - started) / 1000);
    if (fresh) return { fresh };
    return { stale: entries.find((e) => e.headers.etag !== undefined || e.headers["last-modified"] !== undefined) };
  }

  async function save(ctx: CallContext, response: UpstreamResult, price: Price, keys: Keys, rule?: HostCacheRule) {
    const at = now();
    const plan = planStore(response, rule, deps.policy, at);
    if (!plan.store) {
      deps.metrics.notStored.inc({ reason: plan.reason });
      ctx.log.debug({ reason: plan.reason }, "paid response not cached");
      return;
    }
    const base = plan.scope === "shared" && keys.shared ? keys.shared : keys.principal;
    const entry = encodeEntry({
      status: response.status,
      headers: response.headers,
      body: response.body,
      storedAt: at,
      freshUntil: at + plan.freshSeconds * 1000,
      scope: plan.scope,
      price,
    });
    const writes: [string, string][] = plan.vary.length
      ? [
          [base, encodeVary(plan.vary)],
          [variantKey(base, plan.vary, ctx.request.headers), entry],
        ]
      : [[base, entry]];
    const done = await attempt(ctx, "set", () =>
      Promise.all(writes.map(([k, v]) => deps.cache.set(k, v, plan.keepSeconds))),
    );
    if (done) deps.metrics.stores.inc({ scope: plan.scope });
  }

  /** The hit, with its saving recorded; null when the call is a retry of a payment (the payment stage replays it). */
  async function serveHit(ctx: CallContext, entry: CacheEntry, keys: Keys, response: UpstreamResult) {
    let spend: SpendRow | null = null;
    const saving: CacheHitInput = {
      principal: ctx.principal,
      idempotencyKey: ctx.idempotencyKey,
      request: {
        method: ctx.request.method,
        url: redactUrl(ctx.request.url),
        host: ctx.request.url.hostname,
        requestHash: keys.principal,
      },
      quote: entry.price.quote,
      saved: entry.price.amount,
      cachedFrom: entry.price.receiptId,
    };
    try {
      if (ctx.ownIdempotencyKey) {
        // the agent's key may belong to a payment already (a retry), which the payment stage must replay instead
        const r = await deps.ledger.recordCacheHit(saving);
        if (!r.ok && r.reason === "idempotency_key_used") return null;
        if (r.ok) spend = r.spend;
      } else {
        deps.savings.record(saving); // a key of Pag0's own: nothing to replay, the row can follow the response
      }
    } catch (err) {
      // an unrecorded saving costs nothing: the response was bought already and is served all the same
      ctx.log.warn({ err }, "served from the cache, but the saving could not be recorded");
    }
    deps.metrics.hits.inc({ scope: entry.scope });
    return { kind: "response", response, payment: null, spend, cache: { saved: entry.price.amount } } as Delivered;
  }

  /** A stale entry confirmed by `304 Not Modified`: the stored body with the new headers, fresh again. */
  async function revalidated(
    ctx: CallContext,
    outcome: Delivered,
    stale: CacheEntry,
    keys: Keys,
    rule?: HostCacheRule,
  ) {
    const { "content-length": _, ...updated } = outcome.response.headers;
    const response: UpstreamResult = { ...entryResponse(stale, now()), headers: { ...stale.headers, ...updated } };
    const paid = purchase(outcome);
    await save(ctx, response, paid ?? stale.price, keys, rule);
    if (paid) return { ...outcome, response }; // the server charged for the revalidation itself
    return (
      (await serveHit(ctx, stale, keys, response)) ?? { ...outcome, response, cache: { saved: stale.price.amount } }
    );
  }

  return async function cacheStage(ctx, next): Promise<StageOutcome> {
    const plan = planRequest(ctx.request, deps.policy);
    if (!plan.use) return next();
    const keys: Keys = {
      principal: baseKey(deps.keyPrefix, { principal: ctx.principal }, ctx.request),
      shared: deps.policy.sharedPublic ? baseKey(deps.keyPrefix, "shared", ctx.request) : null,
    };
    let stale: CacheEntry | undefined;
    if (plan.lookup && ctx.cacheMode !== "bypass") {
      let found = await find(ctx, keys);
      // a miss while an identical call is in flight: wait for it (once), then look again for what it bought
      const leader = found.fresh ? undefined : inflight.get(keys.principal);
      if (leader) {
        await leader;
        found = await find(ctx, keys);
      }
      if (found.fresh) {
        const hit = await serveHit(ctx, found.fresh, keys, entryResponse(found.fresh, now()));
        if (hit) return hit;
      } else {
        deps.metrics.misses.inc();
        stale = found.stale;
      }
    }
    // checked and claimed with no await between: of concurrent misses exactly one leads, the others wait above
    const release = inflight.has(keys.principal) ? () => {} : claim(inflight, keys.principal);
    let lease: (() => Promise<void>) | undefined;
    try {
      if (plan.lookup && ctx.cacheMode !== "bypass" && deps.cache.kind !== "memory" && !attempt.paused()) {
        const led = await leadAcrossInstances(
          {
            cache: deps.cache,
            attempt,
            leaseMs: deps.leaseMs ?? 15_000,
            boughtMeanwhile: () => boughtMeanwhile(ctx, keys),
          },
          ctx,
          `${keys.principal}:lease`,
        );
        if (led.kind === "hit") return led.hit;
        lease = led.release;
      }
      // leading now, but a purchase may have finished between the miss above and the claim: serve it, not again
      const bought =
        plan.lookup && ctx.cacheMode !== "bypass" && !attempt.paused() && (await boughtMeanwhile(ctx, keys));
      if (bought) return bought;
      if (stale) ctx.request = { ...ctx.request, headers: { ...ctx.request.headers, ...validators(stale) } };
      const outcome = await next();
      if (outcome.kind !== "response") return outcome;
      if (stale && outcome.response.status === 304) return await revalidated(ctx, outcome, stale, keys, plan.rule);
      const paid = purchase(outcome);
      if (paid) await save(ctx, outcome.response, paid, keys, plan.rule);
      return outcome;
    } finally {
      release();
      if (lease) void attempt(ctx, "lease", lease);
    }
  };

  /** What another call bought under these keys while this one was not looking, served as a hit; else null. */
  async function boughtMeanwhile(ctx: CallContext, keys: Keys): Promise<Outcome | null> {
    const { fresh } = await find(ctx, keys);
    return fresh ? serveHit(ctx, fresh, keys, entryResponse(fresh, now())) : null;
  }
}

/** What this call bought just now (settled, not a replay and not a hit), or null: only purchases are cached. */
function purchase(o: Delivered): Price | null {
  if (!o.payment || o.spend?.status !== "settled" || o.replayed || o.cache) return null;
  return { amount: o.spend.amount, quote: o.spend.quote, receiptId: o.spend.id };
}
