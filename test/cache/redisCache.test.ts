import { describe, expect, test } from "vitest";
import { redisCache } from "../../src/cache/redisCache.js";
import { CacheUnavailableError } from "../../src/cache/responseCache.js";
import { closedPort } from "../support/closedPort.js";
import { describeCache } from "./describeCache.js";

// the shared redis-server of this machine (DESIGN §9); the suite's keys carry a per-run prefix
describeCache("redis (ioredis, real redis-server on 127.0.0.1:6379)", async () =>
  redisCache({ url: "redis://127.0.0.1:6379", timeoutMs: 2_000 }),
);

describe("redisCache", () => {
  test("behavior: with nothing listening, operations fail with CacheUnavailableError that hides the password", async () => {
    const port = await closedPort();
    const cache = redisCache({ url: `redis://default:s3cret-pw@127.0.0.1:${port}`, timeoutMs: 200 });
    try {
      const failure = await cache.get("k").catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(CacheUnavailableError);
      expect((failure as Error).message).toMatch(/^redis cache get failed: /);
      expect((failure as Error).message).not.toContain("s3cret-pw");
      await expect(cache.set("k", "v", 60)).rejects.toBeInstanceOf(CacheUnavailableError);
    } finally {
      await cache.close();
    }
  });
});
