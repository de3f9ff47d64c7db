import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ResponseCache } from "../../src/cache/responseCache.js";

/**
 * The cache port's contract: what every adapter (memory, Redis protocol, Upstash REST) must do alike. Keys carry a
 * per-run prefix so parallel runs on one Redis never meet, and every key the suite wrote is deleted afterwards.
 */
export function describeCache(name: string, make: () => Promise<ResponseCache>): void {
  describe(`cache: ${name}`, () => {
    let cache: ResponseCache;
    const prefix = `pag0-test:${randomUUID()}:`;
    const written: string[] = [];
    const key = (k = randomUUID()) => {
      written.push(prefix + k);
      return prefix + k;
    };

    beforeAll(async () => {
      cache = await make();
    });
    afterAll(async () => {
      await Promise.all(written.map((k) => cache?.delete(k)));
      for (const k of written) expect(await cache.get(k)).toBeNull();
      await cache?.close();
    });

    test("default: a stored value is read back; a missing key is null", async () => {
      const k = key();
      await cache.set(k, "hello", 60);
      expect(await cache.get(k)).toBe("hello");
      expect(await cache.get(key())).toBeNull();
    });

    test("behavior: set replaces the value under a key", async () => {
      const k = key();
      await cache.set(k, "one", 60);
      await cache.set(k, "two", 60);
      expect(await cache.get(k)).toBe("two");
    });

    test("behavior: delete removes the value", async () => {
      const k = key();
      await cache.set(k, "gone soon", 60);
      await cache.delete(k);
      expect(await cache.get(k)).toBeNull();
    });

    test("behavior: a value expires after its TTL", async () => {
      const short = key();
      const long = key();
      await cache.set(short, "brief", 1);
      await cache.set(long, "lasting", 60);
      expect(await cache.get(short)).toBe("brief");
      await new Promise((r) => setTimeout(r, 1_300));
      expect(await cache.get(short)).toBeNull();
      expect(await cache.get(long)).toBe("lasting");
    });

    test("behavior: a lease is held by one token until released or expired", async () => {
      const k = key();
      expect(await cache.acquire(k, "a", 10_000)).toBe(true);
      expect(await cache.acquire(k, "b", 10_000)).toBe(false);
      await cache.release(k, "b"); // not b's to give back
      expect(await cache.acquire(k, "b", 10_000)).toBe(false);
      await cache.release(k, "a");
      expect(await cache.acquire(k, "b", 300)).toBe(true);
      await new Promise((r) => setTimeout(r, 450));
      expect(await cache.acquire(k, "c", 10_000)).toBe(true);
      await cache.release(k, "b"); // expired and taken by c: stays c's
      expect(await cache.acquire(k, "d", 10_000)).toBe(false);
      await cache.release(k, "c");
    });

    test("behavior: a counter counts every hit of its window exactly, concurrent ones too, then starts again", async () => {
      const k = key();
      const first = await cache.count(k, 60_000);
      expect(first.count).toBe(1);
      expect(Math.abs(first.resetAt.getTime() - (Date.now() + 60_000))).toBeLessThan(2_000);
      const hits = await Promise.all(Array.from({ length: 20 }, () => cache.count(k, 60_000)));
      expect(hits.map((h) => h.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
      expect((await cache.count(key(), 60_000)).count).toBe(1);
      const short = key();
      await cache.count(short, 300);
      expect((await cache.count(short, 300)).count).toBe(2);
      await new Promise((r) => setTimeout(r, 450));
      expect((await cache.count(short, 300)).count).toBe(1);
    });

    test("behavior: large and non-ASCII values round-trip exactly", async () => {
      const big = JSON.stringify({ text: "été ☀ 東京 🚀", blob: Buffer.alloc(300_000, 7).toString("base64") });
      const k = key();
      await cache.set(k, big, 60);
      expect(await cache.get(k)).toBe(big);
    });

    test("behavior: values that look like JSON, numbers or OK stay strings", async () => {
      const values = ['{"a":1}', "42", "OK", "null", "[1,2]", ""];
      const keys = values.map(() => key());
      await Promise.all(values.map((v, i) => cache.set(keys[i]!, v, 60)));
      expect(await Promise.all(keys.map((k) => cache.get(k)))).toEqual(values);
    });

    test("behavior: 100 concurrent writes and reads of distinct keys each see their own value", async () => {
      const keys = Array.from({ length: 100 }, () => key());
      await Promise.all(keys.map((k, i) => cache.set(k, `v${i}`, 60)));
      const read = await Promise.all(keys.map((k) => cache.get(k)));
      expect(read).toEqual(keys.map((_, i) => `v${i}`));
    });
  });
}
