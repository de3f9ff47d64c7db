import { Redis } from "ioredis";
import { describe, expect, test } from "vitest";
import type { RateCounter } from "../../src/server/rateLimitStore.js";
import { rateLimitStore } from "../../src/server/rateLimitStore.js";
import { logSink } from "../support/logSink.js";

/** A counter that fails while `down.now` is true, and counts in memory otherwise. */
function flakyCounter(): RateCounter & { down: { now: boolean } } {
  const counts = new Map<string, number>();
  const down = { now: false };
  return {
    store: "redis",
    down,
    async hit(key) {
      if (down.now) throw new Error("connect ECONNREFUSED 127.0.0.1:6379");
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return { count: counts.get(key)!, resetAt: new Date(Date.now() + 60_000) };
    },
  };
}

describe("rateLimitStore", () => {
  test("default: hits are the counter's, with its reset time", async () => {
    const store = rateLimitStore(flakyCounter(), logSink().log);
    expect((await store.increment("k")).totalHits).toBe(1);
    const second = await store.increment("k");
    expect(second.totalHits).toBe(2);
    expect(second.resetTime!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(store.localKeys).toBe(false);
  });

  test("behavior: a failing store throws (the limiter lets the call through) and warns once per outage", async () => {
    const counter = flakyCounter();
    const { log, lines } = logSink("info");
    const store = rateLimitStore(counter, log);
    counter.down.now = true;
    for (let i = 0; i < 3; i++) await expect(store.increment("k")).rejects.toThrow(/ECONNREFUSED/);
    const warnings = () => lines.filter((l) => l.includes("rate limits are not enforced"));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain('"store":"redis"');

    counter.down.now = false;
    expect((await store.increment("k")).totalHits).toBe(1);
    expect(lines.filter((l) => l.includes("enforced again"))).toHaveLength(1);
    counter.down.now = true;
    await expect(store.increment("k")).rejects.toThrow();
    expect(warnings()).toHaveLength(2); // a second outage, a second warning
  });

  test("behavior: a store that does not answer within the deadline fails like one that is down", async () => {
    const silent: RateCounter = { store: "postgres", hit: () => new Promise(() => {}), deadlineMs: 100 };
    const { log, lines } = logSink("info");
    const started = performance.now();
    await expect(rateLimitStore(silent, log).increment("k")).rejects.toThrow(/no answer within 100 ms/);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(lines.join("")).toContain("rate limits are not enforced");
  });

  test("behavior: an answer that arrived while the process was busy past the deadline still counts", async () => {
    // the real redis-server answers over a socket while this process is blocked; both are due when it is free
    const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
    try {
      await redis.ping();
      const counter: RateCounter = {
        store: "redis",
        deadlineMs: 50,
        hit: async () => ({ count: Number((await redis.ping()) === "PONG"), resetAt: new Date() }),
      };
      const pending = rateLimitStore(counter, logSink().log).increment("k");
      const busyUntil = Date.now() + 150;
      while (Date.now() < busyUntil) {}
      expect((await pending).totalHits).toBe(1);
    } finally {
      await redis.quit();
    }
  });
});
