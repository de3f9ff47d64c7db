import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import type { CachePolicy } from "../../src/cache/cachePolicy.js";
import { memoryCache } from "../../src/cache/memoryCache.js";
import { CacheUnavailableError, type ResponseCache } from "../../src/cache/responseCache.js";
import type { CacheHitInput, CacheHitResult, SpendRow } from "../../src/ledger/ledger.js";
import { createMetrics } from "../../src/metrics.js";
import { cacheStage } from "../../src/pipeline/cacheStage.js";
import type { CallContext, Delivered, Outcome, StageOutcome } from "../../src/pipeline/context.js";
import { testCallContext } from "../support/callContext.js";
import { logSink } from "../support/logSink.js";
import { testQuote } from "../support/spendQuote.js";

// The stage alone, with a controllable clock and a scripted `next` standing for the payment stage. The whole
// pipeline, paying a local chain, is tested in test/tools/paidFetch.cache.test.ts.

const PRICE = 25_000n;
const QUOTE = testQuote();

/** What the payment stage answers for a settled paid call. */
function paid(headers: Record<string, string> = {}, body = "paid data", overrides: Partial<Delivered> = {}): Delivered {
  const spend = { id: String(Math.floor(Math.random() * 1e9)), status: "settled", amount: PRICE, quote: QUOTE };
  return {
    kind: "response",
    response: { status: 200, headers, body: new TextEncoder().encode(body), truncated: false },
    payment: { amount: PRICE, ...QUOTE, payer: "0x1", txHash: "0xabc" },
    spend: spend as unknown as SpendRow,
    ...overrides,
  };
}

function harness(
  o: {
    cache?: ResponseCache;
    policy?: Partial<CachePolicy>;
    hit?: (i: CacheHitInput) => CacheHitResult;
    keyPrefix?: string;
  } = {},
) {
  let clock = Date.parse("2026-11-26T12:00:00Z");
  const hits: CacheHitInput[] = [];
  /** savings written behind the response (calls whose idempotency key Pag0 made up) */
  const behind: CacheHitInput[] = [];
  const { log, lines: logs } = logSink();
  const metrics = createMetrics();
  const stage = cacheStage({
    cache: o.cache ?? memoryCache({ maxBytes: 1 << 20 }),
    ledger: {
      async recordCacheHit(input) {
        hits.push(input);
        return o.hit
          ? o.hit(input)
          : { ok: true, replayed: false, spend: { id: String(hits.length), cached: true } as SpendRow };
      },
    },
    savings: { record: (input) => void behind.push(input) },
    metrics: metrics.cache,
    policy: {
      defaultTtlSeconds: 60,
      maxTtlSeconds: 86_400,
      maxEntryBytes: 10_000,
      sharedPublic: false,
      rules: [],
      ...o.policy,
    },
    keyPrefix: o.keyPrefix ?? `t:${randomUUID()}:`,
    leaseMs: 250,
    now: () => clock,
  });
  const calls: CallContext[] = [];
  /** Run one call; `answer` is what the payment stage would return for it. */
  const run = (answer: () => Outcome | Promise<Outcome>, overrides: Partial<CallContext> = {}) => {
    const ctx = testCallContext("https://api.example.com/data", { ownIdempotencyKey: true, log, ...overrides });
    return stage(ctx, async () => {
      calls.push(ctx);
      return answer();
    });
  };
  const advance = (ms: number) => {
    clock += ms;
  };
  const metric = async (name: string) =>
    (await metrics.registry.getSingleMetric(name)?.get())?.values.reduce((n, v) => n + v.value, 0) ?? 0;
  return { run, advance, calls, hits, behind, logs, metric };
}

const text = (o: StageOutcome) =>
  o.kind === "response" ? new TextDecoder().decode(o.response.body) : o.kind === "denied" ? o.code : o.kind;

describe("cacheStage", () => {
  test("default: a paid response is stored; the repeat is a hit with the saving, without calling on", async () => {
    const h = harness();
    const first = await h.run(() => paid({ "cache-control": "max-age=60", "payment-response": "proof" }));
    const second = await h.run(() => paid());

    expect(first).toMatchObject({ kind: "response", payment: { amount: PRICE } });
    expect(h.calls).toHaveLength(1);
    expect(second).toMatchObject({ kind: "response", payment: null, cache: { saved: PRICE }, spend: { id: "1" } });
    expect(text(second)).toBe("paid data");
    if (second.kind !== "response") throw new Error("unreachable");
    expect(second.response.headers["payment-response"]).toBeUndefined();
    expect(second.response.headers.age).toBe("0");
    expect(h.hits[0]).toMatchObject({ principal: "alice", saved: PRICE, quote: QUOTE });
    expect(await h.metric("pag0_cache_hits_total")).toBe(1);
    expect(await h.metric("pag0_cache_stores_total")).toBe(1);
  });

  test("behavior: a call whose miss raced a purchase that just finished serves that purchase, never pays again", async () => {
    // the second call's lookup is slow: the first call buys, stores and finishes while it is still looking
    const store = memoryCache({ maxBytes: 1 << 20 });
    let firstDone: () => void = () => {};
    const bought = new Promise<void>((r) => {
      firstDone = r;
    });
    let lookups = 0;
    const slowFirstLookup: ResponseCache = {
      ...store,
      kind: "memory",
      get: async (key) => {
        const miss = await store.get(key);
        if (++lookups === 2) await bought;
        return miss;
      },
    };
    const h = harness({ cache: slowFirstLookup });

    const first = h.run(() => paid({ "cache-control": "max-age=60" }));
    const second = h.run(() => paid());
    await first;
    firstDone();

    expect(await second).toMatchObject({ kind: "response", payment: null, cache: { saved: PRICE } });
    expect(h.calls).toHaveLength(1);
  });

  test("behavior: freshness follows the clock: max-age=60 is a hit at 59 s and a miss at 61 s", async () => {
    const h = harness();
    await h.run(() => paid({ "cache-control": "max-age=60" }));
    h.advance(59_000);
    expect(await h.run(() => paid())).toMatchObject({ cache: { saved: PRICE } });
    h.advance(2_000);
    expect(await h.run(() => paid())).toMatchObject({ payment: { amount: PRICE } });
    expect(h.calls).toHaveLength(2);
  });

  test("behavior: free responses, replays and unsettled payments are not stored", async () => {
    const h = harness();
    const free = (): Outcome => ({ ...paid(), payment: null, spend: null });
    await h.run(free);
    await h.run(() => paid({}, "x", { replayed: true }));
    await h.run(() => paid({}, "x", { spend: { status: "unknown", amount: PRICE } as SpendRow }));
    await h.run(free);
    expect(h.calls).toHaveLength(4);
    expect(h.hits).toHaveLength(0);
  });

  test("behavior: bypass skips the lookup but stores the fresh answer", async () => {
    const h = harness();
    await h.run(() => paid({}, "old"));
    const refreshed = await h.run(() => paid({}, "new"), { cacheMode: "bypass" });
    expect(refreshed).toMatchObject({ payment: { amount: PRICE } });
    expect(text(await h.run(() => paid()))).toBe("new");
    expect(h.calls).toHaveLength(2);
  });

  test("behavior: a retry of a paid idempotency key goes on to the payment stage (which replays it)", async () => {
    const h = harness({ hit: () => ({ ok: false, reason: "idempotency_key_used" }) });
    await h.run(() => paid());
    const retry = await h.run(() => paid({}, "replayed", { replayed: true }));
    expect(text(retry)).toBe("replayed");
    expect(h.calls).toHaveLength(2);
  });

  test("behavior: a saving the ledger cannot record still serves the hit", async () => {
    const h = harness({
      hit: () => {
        throw new Error("ledger down");
      },
    });
    await h.run(() => paid());
    expect(await h.run(() => paid())).toMatchObject({ payment: null, spend: null, cache: { saved: PRICE } });
    expect(h.logs.join("")).toContain("the saving could not be recorded");
  });

  test("behavior: a stale entry with an ETag is revalidated; a free 304 serves it again as a hit", async () => {
    const h = harness();
    await h.run(() => paid({ etag: '"v1"', "cache-control": "max-age=10" }, "body v1"));
    h.advance(11_000);
    const notModified: Outcome = { ...paid({ "cache-control": "max-age=10" }), payment: null, spend: null };
    notModified.response = { ...notModified.response, status: 304, body: new Uint8Array() };

    const out = await h.run(() => notModified);

    expect(h.calls[1]?.request.headers["if-none-match"]).toBe('"v1"');
    expect(out).toMatchObject({ payment: null, cache: { saved: PRICE }, response: { status: 200 } });
    expect(text(out)).toBe("body v1");
    h.advance(5_000); // fresh again for another 10 s from the 304
    expect(await h.run(() => paid())).toMatchObject({ cache: { saved: PRICE } });
    expect(h.calls).toHaveLength(2);
  });

  test("behavior: a 304 the server charged for returns the stored body with that payment", async () => {
    const h = harness();
    await h.run(() => paid({ etag: '"v1"', "cache-control": "no-cache" }, "body v1"));
    const paid304 = paid({ etag: '"v1"' });
    paid304.response = { ...paid304.response, status: 304, body: new Uint8Array() };
    const out = await h.run(() => paid304);
    expect(out).toMatchObject({ payment: { amount: PRICE }, response: { status: 200 } });
    expect(out).not.toHaveProperty("cache");
    expect(text(out)).toBe("body v1");
  });

  test("behavior: concurrent identical calls wait for the first: a burst pays once", async () => {
    const h = harness();
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = async () => {
      await gate;
      return paid();
    };
    const burst = Promise.all([h.run(slow), h.run(slow), h.run(slow)]);
    await new Promise((r) => setTimeout(r, 20));
    release();
    const results = await burst;
    expect(h.calls).toHaveLength(1);
    expect(results.filter((r) => r.kind === "response" && r.cache)).toHaveLength(2);
  });

  test("behavior: a burst whose answer cannot be cached waits once, then goes on in parallel", async () => {
    const h = harness();
    let running = 0;
    let most = 0;
    const uncacheable = async (): Promise<Outcome> => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      return paid({ "cache-control": "no-store" });
    };
    await Promise.all(Array.from({ length: 5 }, () => h.run(uncacheable)));
    expect(h.calls).toHaveLength(5);
    expect(most).toBe(4); // the first alone, then the four that waited for it together
  });

  test("behavior: entries are per principal unless the response is public and sharing is on", async () => {
    const own = harness();
    await own.run(() => paid({ "cache-control": "public, max-age=60" }));
    await own.run(() => paid(), { principal: "bob" });
    expect(own.calls).toHaveLength(2);

    const shared = harness({ policy: { sharedPublic: true } });
    await shared.run(() => paid({ "cache-control": "public, max-age=60" }));
    expect(await shared.run(() => paid(), { principal: "bob" })).toMatchObject({ cache: { saved: PRICE } });
    await shared.run(() => paid({ "cache-control": "private, max-age=60" }), {
      request: { method: "GET", url: new URL("https://api.example.com/private"), headers: {}, body: undefined },
    });
    await shared.run(() => paid(), {
      principal: "bob",
      request: { method: "GET", url: new URL("https://api.example.com/private"), headers: {}, body: undefined },
    });
    expect(shared.calls).toHaveLength(3);
  });

  test("behavior: a failing cache store is bypassed with one warning and a metric; calls go on", async () => {
    const broken: ResponseCache = {
      kind: "redis",
      get: async () => {
        throw new CacheUnavailableError("redis", "get", new Error("connect ECONNREFUSED"));
      },
      set: async () => {
        throw new CacheUnavailableError("redis", "set", new Error("connect ECONNREFUSED"));
      },
      delete: async () => {},
      acquire: async () => true,
      release: async () => {},
      count: async () => ({ count: 1, resetAt: new Date() }),
      close: async () => {},
    };
    const h = harness({ cache: broken });
    const results = [await h.run(() => paid()), await h.run(() => paid()), await h.run(() => paid())];
    expect(results.every((r) => r.kind === "response" && r.payment?.amount === PRICE)).toBe(true);
    expect(h.calls).toHaveLength(3);
    const warnings = h.logs.filter((l) => l.includes("cache bypassed"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("ECONNREFUSED");
    // every skipped operation is counted: the failing get, then the gets and sets skipped while paused
    expect(await h.metric("pag0_cache_bypassed_total")).toBe(6);
  });

  test("behavior: a hit under Pag0's own idempotency key writes its saving behind the response", async () => {
    const h = harness();
    await h.run(() => paid({ "cache-control": "max-age=60" }), { ownIdempotencyKey: false });
    const hit = await h.run(() => paid(), { ownIdempotencyKey: false });
    expect(hit).toMatchObject({ kind: "response", payment: null, cache: { saved: PRICE }, spend: null });
    expect(h.hits).toHaveLength(0);
    expect(h.behind).toEqual([expect.objectContaining({ principal: "alice", saved: PRICE, quote: QUOTE })]);
  });

  test("behavior: instances sharing a store buy a burst of identical misses once, the others serve its entry", async () => {
    const store = memoryCache({ maxBytes: 1 << 20 });
    const shared: ResponseCache = { ...store, kind: "redis" }; // a shared store: leases are taken in it
    const keyPrefix = `t:${randomUUID()}:`;
    const instances = [harness({ cache: shared, keyPrefix }), harness({ cache: shared, keyPrefix })];
    const slowPurchase = async () => {
      await new Promise((r) => setTimeout(r, 150));
      return paid({ "cache-control": "max-age=60" });
    };
    const results = await Promise.all(instances.flatMap((h) => [1, 2, 3].map(() => h.run(slowPurchase))));
    expect(instances[0]!.calls.length + instances[1]!.calls.length).toBe(1);
    expect(results.filter((r) => r.kind === "response" && r.payment !== null)).toHaveLength(1);
    expect(results.filter((r) => r.kind === "response" && r.cache?.saved === PRICE)).toHaveLength(5);
  });

  test("behavior: a lease held past leaseMs lets the call go on to the payment stage", async () => {
    const store = memoryCache({ maxBytes: 1 << 20 });
    const shared: ResponseCache = { ...store, kind: "redis", acquire: async () => false }; // held forever elsewhere
    const h = harness({ cache: shared });
    const started = performance.now();
    expect(await h.run(() => paid())).toMatchObject({ payment: { amount: PRICE } });
    expect(h.calls).toHaveLength(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240); // it waited out the lease first
  });
});
