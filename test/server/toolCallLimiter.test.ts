import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type NextFunction, type Response } from "express";
import { afterAll, describe, expect, test } from "vitest";
import { memoryCache } from "../../src/cache/memoryCache.js";
import type { AuthedRequest } from "../../src/server/httpAuth.js";
import type { RateCounter } from "../../src/server/rateLimitStore.js";
import { toolCallLimiter, toolCallsIn } from "../../src/server/toolCallLimiter.js";
import { logSink } from "../support/logSink.js";

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
});

/** The limiter behind a stand-in for bearerAuth: `x-key` names the key id, none means the keyless local principal. */
async function serve(counter: RateCounter, limit = 3) {
  const app = express();
  app.use((req: AuthedRequest, _res: Response, next: NextFunction) => {
    const keyId = req.header("x-key");
    req.auth = { token: keyId ?? "local", clientId: "alice", scopes: [], ...(keyId ? { extra: { keyId } } : {}) };
    next();
  });
  app.post(
    "/mcp",
    express.json(),
    toolCallLimiter({ limit, windowMs: 60_000, counter, log: logSink().log }),
    (_r, res) => res.json({ ok: true }),
  );
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  return (body: unknown, keyId?: string) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(keyId ? { "x-key": keyId } : {}) },
      body: JSON.stringify(body),
    });
}

const message = (method: string, id?: number) => ({ jsonrpc: "2.0", method, ...(id === undefined ? {} : { id }) });
const memory = (): RateCounter & { keys: string[] } => {
  const cache = memoryCache({ maxBytes: 1024 });
  const keys: string[] = [];
  return {
    store: "memory",
    keys,
    hit: (key, windowMs) => {
      keys.push(key);
      return cache.count(key, windowMs);
    },
  };
};

describe("toolCallsIn", () => {
  test("default: a tools/call message is one, a batch counts each of its tool calls, anything else none", () => {
    expect(toolCallsIn(message("tools/call", 1))).toBe(1);
    expect(toolCallsIn([message("tools/call", 1), message("tools/list", 2), message("tools/call", 3)])).toBe(2);
    for (const other of [message("initialize", 1), message("notifications/initialized"), message("tools/list", 1)]) {
      expect(toolCallsIn(other)).toBe(0);
    }
    expect(toolCallsIn(undefined)).toBe(0);
    expect(toolCallsIn("tools/call")).toBe(0);
  });
});

describe("toolCallLimiter", () => {
  test("default: only tool calls count; over the limit a key gets 429 RATE_LIMITED, other keys do not", async () => {
    const post = await serve(memory());
    for (const m of ["initialize", "notifications/initialized", "tools/list", "ping"]) {
      for (let i = 0; i < 4; i++) expect((await post(message(m, i), "k1")).status).toBe(200);
    }
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(message("tools/call", i), "k1")).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const over = await post(message("tools/call", 9), "k1");
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(50);
    const body = (await over.json()) as { error: { data: { retryAfterSeconds: number } } };
    expect(body).toMatchObject({ jsonrpc: "2.0", id: null, error: { data: { code: "RATE_LIMITED" } } });
    expect(body.error.data.retryAfterSeconds).toBeGreaterThan(50);
    expect((await post(message("tools/list", 10), "k1")).status).toBe(200);
    expect((await post(message("tools/call", 11), "k2")).status).toBe(200);
  });

  test("behavior: a batch counts each tool call in it", async () => {
    const post = await serve(memory());
    const batch = [message("tools/call", 1), message("tools/list", 2), message("tools/call", 3)];
    expect((await post(batch, "k1")).status).toBe(200);
    expect((await post(message("tools/call", 4), "k1")).status).toBe(200);
    expect((await post(message("tools/call", 5), "k1")).status).toBe(429);
    expect(
      (
        await post(
          [1, 2, 3, 4].map((id) => message("tools/call", id)),
          "k2",
        )
      ).status,
    ).toBe(429);
  });

  test("behavior: calls count under the key's id or the local principal, never under the bearer token", async () => {
    const counter = memory();
    const post = await serve(counter);
    await post(message("tools/call", 1), "key-id-1");
    await post(message("tools/call", 2));
    expect(counter.keys).toEqual(["key:key-id-1", "principal:alice"]);
  });

  test("behavior: when the store fails, tool calls go through (fail open)", async () => {
    const post = await serve({
      store: "redis",
      hit: async () => {
        throw new Error("connect ECONNREFUSED");
      },
    });
    const statuses = await Promise.all([1, 2, 3, 4, 5].map((id) => post(message("tools/call", id), "k1")));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  });
});
