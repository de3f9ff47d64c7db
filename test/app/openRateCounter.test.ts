import { describe, expect, test } from "vitest";
import { openRateCounter } from "../../src/app/openRateCounter.js";
import { memoryCache } from "../../src/cache/memoryCache.js";
import type { ResponseCache } from "../../src/cache/responseCache.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import type { Ledger } from "../../src/ledger/ledger.js";

const config = loadConfig({});
const ledgerOf = (kind: Ledger["kind"], hits: string[]) =>
  ({
    kind,
    rateLimitHit: async (key: string) => {
      hits.push(key);
      return { count: 1, resetAt: new Date() };
    },
  }) as unknown as Ledger;

describe("openRateCounter", () => {
  test("default: the embedded ledger with the memory cache counts in this process", async () => {
    const hits: string[] = [];
    const counter = openRateCounter(config, memoryCache({ maxBytes: 1024 }), ledgerOf("pglite", hits));
    expect(counter.store).toBe("memory");
    expect((await counter.hit("key:a", 60_000)).count).toBe(1);
    expect((await counter.hit("key:a", 60_000)).count).toBe(2);
    expect(hits).toEqual([]);
  });

  test.each(["postgres", "supabase"] as const)(
    "behavior: a %s ledger counts for every instance on it",
    async (kind) => {
      const hits: string[] = [];
      const counter = openRateCounter(config, memoryCache({ maxBytes: 1024 }), ledgerOf(kind, hits));
      expect(counter.store).toBe(kind);
      await counter.hit("key:a", 60_000);
      expect(hits).toEqual(["key:a"]);
    },
  );

  test("behavior: a Redis or Upstash cache store wins over the ledger, under the cache's key prefix", async () => {
    const counted: string[] = [];
    const redis = {
      kind: "redis",
      count: async (key: string) => {
        counted.push(key);
        return { count: 1, resetAt: new Date() };
      },
    } as unknown as ResponseCache;
    const hits: string[] = [];
    const counter = openRateCounter(config, redis, ledgerOf("postgres", hits));
    expect(counter.store).toBe("redis");
    await counter.hit("key:a", 60_000);
    expect(counted).toEqual(["pag0:cache:ratelimit:key:a"]);
    expect(hits).toEqual([]);
  });
});
