import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.js";
import { type HttpPag0, startHttpPag0 } from "../support/testHttpPag0.js";
import { openTestLedger } from "../support/testLedger.js";
import { startWorld, type World } from "../world/world.js";

let world: World;
let ledger: Ledger;
let stateful: HttpPag0;
let stateless: HttpPag0;
let payer: { key: `0x${string}`; address: `0x${string}` };

beforeAll(async () => {
  [world, ledger] = await Promise.all([startWorld(), openTestLedger()]);
  payer = await world.newPayer();
  stateful = await startHttpPag0({ world, ledger, payerKey: payer.key });
  stateless = await startHttpPag0({ world, ledger, payerKey: payer.key, env: { PAG0_HTTP_SESSIONS: "false" } });
});
afterAll(async () => {
  await stateful?.close();
  await stateless?.close();
  await ledger?.close();
  await world?.stop();
});

const call = async (
  client: Awaited<ReturnType<HttpPag0["client"]>>,
  name: string,
  args: Record<string, unknown> = {},
) => (await client.callTool({ name, arguments: args })) as { isError?: boolean; structuredContent: any };

describe("pag0 http", () => {
  test.each([
    ["stateful", () => stateful],
    ["stateless", () => stateless],
  ])(
    "behavior: %s mode: the SDK client calls all three tools and a paid call settles on chain",
    async (mode, server) => {
      const key = await server().key(`agent-${mode}`, ["fetch"]);
      const client = await server().client(key);
      const payTo = world.newAddress();
      const paid = await call(client, "paid_fetch", { url: world.v2.route({ price: 10_000n, payTo }) });
      expect(paid.isError).toBeFalsy();
      expect(await world.balanceOf(payTo)).toBe(10_000n);
      expect(
        (await world.publicClient.getTransactionReceipt({ hash: paid.structuredContent.payment.txHash })).status,
      ).toBe("success");
      expect((await call(client, "get_budget")).structuredContent.spent.today).toBe("0.01");
      expect((await call(client, "list_spend")).structuredContent.items).toMatchObject([
        { txHash: paid.structuredContent.payment.txHash, principal: `agent-${mode}` },
      ]);
    },
  );

  test("behavior: principals are held to their own budgets and see only their own spend; operators see all", async () => {
    const a = await stateful.client(await stateful.key("alice", ["fetch"], { daily: 20_000n }));
    const b = await stateful.client(await stateful.key("bob", ["fetch"], { daily: 50_000n }));
    const op = await stateful.client(await stateful.key("ops", ["operator"]));
    expect(a.getInstructions()).toMatch(/0\.02 per day/);
    expect(b.getInstructions()).toMatch(/0\.05 per day/);
    const url = world.v2.route({ price: 10_000n });
    // bypass the paid-response cache: every call must reach the budget
    const aliceResults = await Promise.all([1, 2, 3].map(() => call(a, "paid_fetch", { url, cache: "bypass" })));
    const bobResults = await Promise.all([1, 2, 3].map(() => call(b, "paid_fetch", { url, cache: "bypass" })));
    expect(aliceResults.filter((r) => !r.isError)).toHaveLength(2);
    expect(aliceResults.find((r) => r.isError)?.structuredContent.error.code).toBe("BUDGET_EXCEEDED");
    expect(bobResults.filter((r) => !r.isError)).toHaveLength(3);

    expect((await call(a, "list_spend")).structuredContent.items.every((i: any) => i.principal === "alice")).toBe(true);
    expect((await call(a, "list_spend", { principal: "bob" })).structuredContent.error.code).toBe("FORBIDDEN");
    expect((await call(a, "get_budget", { principal: "bob" })).structuredContent.error.code).toBe("FORBIDDEN");
    const all = (await call(op, "list_spend", { limit: 100 })).structuredContent.items.map((i: any) => i.principal);
    expect(all).toEqual(expect.arrayContaining(["alice", "bob"]));
    expect((await call(op, "get_budget", { principal: "bob" })).structuredContent.spent.today).toBe("0.03");
  });

  test("behavior: a read key cannot pay, and a revoked key gets 401", async () => {
    const readKey = await stateful.key("reader", ["read"]);
    const reader = await stateful.client(readKey);
    const res = await call(reader, "paid_fetch", { url: world.v2.route({ price: 10_000n }) });
    expect(res.structuredContent.error.code).toBe("FORBIDDEN");
    expect((await call(reader, "get_budget")).isError).toBeFalsy();

    const key = await stateful.key("leaver", ["fetch"]);
    const id = key.split("_")[1] ?? "";
    expect(await ledger.revokeApiKey(id)).toBe(true);
    const r = await fetch(`${stateful.url}/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toMatch(/^Bearer realm="pag0", error="invalid_token"/);
  });
});

describe("pag0 http request checks", () => {
  const initialize = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
  });
  const post = async (headers: Record<string, string>, body = initialize) =>
    fetch(`${stateful.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
      body,
    });

  test("behavior: a missing or wrong key gets 401 with a WWW-Authenticate challenge", async () => {
    const missing = await post({});
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="pag0"');
    const wrong = await post({ authorization: "Bearer pag0_0123456789_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  test("behavior: a Host or Origin that is not allowed gets 403", async () => {
    const key = await stateful.key("checker", ["fetch"]);
    // fetch will not send a foreign Host header, so this one request goes through node:http
    const hostStatus = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${stateful.url}/mcp`);
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: "POST",
          headers: {
            host: "evil.example",
            authorization: `Bearer ${key}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end(initialize);
    });
    expect(hostStatus).toBe(403);
    expect((await post({ authorization: `Bearer ${key}`, origin: "https://evil.example" })).status).toBe(403);
    expect((await post({ authorization: `Bearer ${key}`, origin: "http://localhost:3000" })).status).toBe(200);
  });

  test.each([
    ["stateful", {}],
    ["stateless", { PAG0_HTTP_SESSIONS: "false" }],
  ])(
    "behavior: %s mode: only tool calls count: a client limited to 3 makes 3 after initializing, then gets 429 RATE_LIMITED",
    async (_mode, env) => {
      const limited = await startHttpPag0({ world, ledger, env: { PAG0_RATE_LIMIT_PER_MINUTE: "3", ...env } });
      try {
        // initialize, notifications/initialized, the GET stream (stateful) and tools/list: none of them count
        const client = await limited.client(await limited.key("chatty", ["fetch"]));
        await client.listTools();
        await client.ping();
        for (let i = 0; i < 3; i++) expect((await call(client, "get_budget")).isError).toBeFalsy();
        const over = await client.callTool({ name: "get_budget", arguments: {} }).catch((e: Error) => e);
        expect(String(over)).toMatch(/429|RATE_LIMITED/);
        expect((await client.listTools()).tools.length).toBe(3); // still answered
        const other = await limited.client(await limited.key("quiet", ["fetch"]));
        expect((await call(other, "get_budget")).isError).toBeFalsy();

        const raw = await fetch(`${limited.url}/mcp`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${await limited.key("raw", ["fetch"])}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          // a batch counts each of its tool calls: four, over a limit of three
          body: JSON.stringify([1, 2, 3, 4].map((id) => ({ jsonrpc: "2.0", id, method: "tools/call", params: {} }))),
        });
        expect(raw.status).toBe(429);
        expect(Number(raw.headers.get("retry-after"))).toBeGreaterThan(50);
        expect(raw.headers.get("ratelimit")).toMatch(/limit=3, remaining=0/);
        expect(await raw.json()).toMatchObject({ error: { data: { code: "RATE_LIMITED" } } });
      } finally {
        await limited.close();
      }
    },
  );

  test("behavior: an oversized body gets 413", async () => {
    const key = await stateful.key("big", ["fetch"]);
    const huge = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "ping",
      params: { pad: "x".repeat(2 * 1024 * 1024) },
    });
    expect((await post({ authorization: `Bearer ${key}` }, huge)).status).toBe(413);
  });

  test("behavior: /metrics needs an operator key and counts tool calls", async () => {
    expect((await fetch(`${stateful.url}/metrics`)).status).toBe(401);
    const fetchKey = await stateful.key("m-agent", ["fetch"]);
    expect((await fetch(`${stateful.url}/metrics`, { headers: { authorization: `Bearer ${fetchKey}` } })).status).toBe(
      403,
    );
    const opKey = await stateful.key("m-ops", ["operator"]);
    const res = await fetch(`${stateful.url}/metrics`, { headers: { authorization: `Bearer ${opKey}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/pag0_tool_calls_total\{tool="paid_fetch",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/pag0_payments_total\{network="eip155:84532",status="settled"\} [1-9]/);
  });

  test("behavior: /health reports each dependency and turns 503 when the ledger is down", async () => {
    const ok = await fetch(`${stateful.url}/health`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      status: "ok",
      checks: { ledger: { status: "ok" }, wallet: { status: "configured" } },
    });

    const broken = await openTestLedger();
    const down = await startHttpPag0({ world, ledger: broken, payerKey: payer.key });
    try {
      await broken.close();
      const res = await fetch(`${down.url}/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: "down", checks: { ledger: { status: "down" } } });
    } finally {
      await down.close();
    }
  });
});
