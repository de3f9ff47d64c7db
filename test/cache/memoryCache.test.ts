import { describe, expect, test } from "vitest";
import { memoryCache } from "../../src/cache/memoryCache.js";
import { describeCache } from "./describeCache.js";

describeCache("memory", async () => memoryCache({ maxBytes: 16 * 1024 * 1024 }));

describe("memoryCache", () => {
  test("behavior: bounded by bytes: the least recently used entries go first", async () => {
    const cache = memoryCache({ maxBytes: 10_000 });
    const value = "x".repeat(3_000);
    await cache.set("a", value, 60);
    await cache.set("b", value, 60);
    await cache.set("c", value, 60);
    expect(await cache.get("a")).toBe(value); // a is now the most recently used
    await cache.set("d", value, 60);
    expect(await cache.get("b")).toBeNull();
    expect(await cache.get("a")).toBe(value);
    expect(await cache.get("d")).toBe(value);
  });

  test("behavior: a value larger than the whole bound is not kept", async () => {
    const cache = memoryCache({ maxBytes: 1_000 });
    await cache.set("big", "y".repeat(2_000), 60);
    expect(await cache.get("big")).toBeNull();
  });
});
