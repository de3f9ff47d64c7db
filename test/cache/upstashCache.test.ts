import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CacheUnavailableError } from "../../src/cache/responseCache.js";
import { upstashCache } from "../../src/cache/upstashCache.js";
import { closedPort } from "../support/closedPort.js";
import { startUpstashBridge, type UpstashBridge } from "../support/upstashBridge.js";
import { describeCache } from "./describeCache.js";

const TOKEN = `token-${randomUUID()}`;
let bridge: UpstashBridge;

beforeAll(async () => {
  bridge = await startUpstashBridge({ redisUrl: "redis://127.0.0.1:6379", token: TOKEN });
});
afterAll(async () => {
  await bridge?.close();
});

// @upstash/redis over HTTP, through a REST bridge in front of the real redis-server on 127.0.0.1:6379
describeCache("upstash (@upstash/redis via the REST bridge)", async () =>
  upstashCache({ url: bridge.url, token: TOKEN, timeoutMs: 2_000 }),
);

describe("upstashCache", () => {
  test("behavior: a wrong token fails with CacheUnavailableError that does not show the token", async () => {
    const cache = upstashCache({ url: bridge.url, token: "wrong-token-value", timeoutMs: 2_000 });
    const failure = await cache.get("k").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CacheUnavailableError);
    expect((failure as Error).message).toMatch(/^upstash cache get failed: .*Unauthorized/);
    expect((failure as Error).message).not.toContain("wrong-token-value");
  });

  test("behavior: a request whose answer is lost is sent once: no automatic retries", async () => {
    // the server reads the command, then hangs up: had it run the command, a retry would run it twice
    let requests = 0;
    const dropper = createServer((req) => {
      requests++;
      req.resume();
      req.on("end", () => req.socket.destroy());
    });
    await new Promise<void>((resolve) => dropper.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = dropper.address() as AddressInfo;
      const cache = upstashCache({ url: `http://127.0.0.1:${port}`, token: TOKEN, timeoutMs: 5_000 });
      const failure = await cache.set("k", "v", 60).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(CacheUnavailableError);
      expect((failure as Error).message).not.toContain(TOKEN);
      expect(requests).toBe(1); // @upstash/redis's default would have sent it 6 times, `retry: false` twice
    } finally {
      await new Promise((resolve) => dropper.close(resolve));
    }
  });

  test("behavior: nothing listening fails fast with CacheUnavailableError", async () => {
    const cache = upstashCache({ url: `http://127.0.0.1:${await closedPort()}`, token: TOKEN, timeoutMs: 2_000 });
    await expect(cache.get("k")).rejects.toBeInstanceOf(CacheUnavailableError);
  });

  test("behavior: a failed write's message does not carry the cached value", async () => {
    const cache = upstashCache({ url: bridge.url, token: "bad", timeoutMs: 2_000 });
    const failure = await cache.set("k", "paid-data-that-must-not-be-logged", 60).catch((e: unknown) => e);
    expect((failure as Error).message).not.toContain("paid-data-that-must-not-be-logged");
  });
});
