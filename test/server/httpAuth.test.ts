import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConfigError, loadConfig, withoutAuth } from "../../src/config/loadConfig.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import { LOCAL_PRINCIPAL } from "../../src/tools/defineTool.js";
import { configProblems } from "../support/configProblems.js";
import { type HttpPag0, startHttpPag0 } from "../support/testHttpPag0.js";
import { openTestLedger } from "../support/testLedger.js";
import { startWorld, type World } from "../world/world.js";

// DESIGN §8: every request needs a key; running without keys is an explicit switch, loopback only, never operator.
let world: World;
let ledger: Ledger;
const servers: HttpPag0[] = [];
beforeAll(async () => {
  [world, ledger] = await Promise.all([startWorld(), openTestLedger()]);
  // what `pag0 http` seeds in its own ledger (the test servers share this one)
  await ledger.upsertPrincipal(LOCAL_PRINCIPAL, { perRequest: 100_000n, daily: 1_000_000n, monthly: 10_000_000n });
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await ledger?.close();
  await world?.stop();
});

async function serve(env: Record<string, string> = {}) {
  const pag0 = await startHttpPag0({ world, ledger, env });
  servers.push(pag0);
  return pag0;
}

/** One JSON-RPC request to /mcp; `headers` may set Host (so node:http: fetch never sends a foreign Host). */
function rpc(pag0: HttpPag0, body: unknown, headers: Record<string, string> = {}) {
  const u = new URL(`${pag0.url}/mcp`);
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => {
          text += String(d);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } },
};
const callTool = (name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id: 2,
  method: "tools/call",
  params: { name, arguments: args },
});

describe("pag0 http authentication", () => {
  test("default: a server with no key at all refuses every MCP request with 401, stateful and stateless", async () => {
    for (const sessions of ["true", "false"]) {
      const pag0 = await serve({ PAG0_HTTP_SESSIONS: sessions });
      expect((await rpc(pag0, initialize)).status).toBe(401);
      expect((await rpc(pag0, callTool("get_budget"))).status).toBe(401);
    }
  });

  test("behavior: revoking the only key leaves a server that refuses everyone", async () => {
    const pag0 = await serve();
    const key = await pag0.key(`only-${Date.now()}`, ["fetch", "read"]);
    const auth = { authorization: `Bearer ${key}` };
    expect((await rpc(pag0, initialize, auth)).status).toBe(200);
    const [only] = (await ledger.listApiKeys()).filter((k) => k.revokedAt === null);
    for (const k of await ledger.listApiKeys()) await ledger.revokeApiKey(k.id);
    expect(only).toBeDefined();
    await new Promise((r) => setTimeout(r, 600)); // past the verified-key cache
    expect((await rpc(pag0, initialize, auth)).status).toBe(401);
    expect((await rpc(pag0, initialize)).status).toBe(401);
  });

  test("behavior: with the switch, keyless requests are the local principal, on loopback Host names only", async () => {
    const pag0 = await serve({ PAG0_HTTP_AUTH: "none", PAG0_HTTP_SESSIONS: "false" });
    const init = await rpc(pag0, initialize);
    expect(init.status).toBe(200);
    const own = await rpc(pag0, callTool("get_budget"));
    expect(own.text).toContain('"currency":"USDC"');
    expect(own.text).not.toContain('"isError":true');
    // a public name (a reverse proxy in front) is refused, switch or not
    expect((await rpc(pag0, initialize, { host: "pag0.example.com" })).status).toBe(403);
  });

  test("behavior: the local principal of --no-auth has no operator scope: no /metrics, no other principal's spend", async () => {
    const pag0 = await serve({ PAG0_HTTP_AUTH: "none", PAG0_HTTP_SESSIONS: "false" });
    expect((await fetch(`${pag0.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${pag0.url}/approvals`)).status).toBe(401);
    const other = await rpc(pag0, callTool("list_spend", { principal: "someone-else" }));
    expect(other.text).toContain("FORBIDDEN");
    const budget = await rpc(pag0, callTool("get_budget", { principal: "someone-else" }));
    expect(budget.text).toContain("FORBIDDEN");
  });

  test("behavior: every HTTP-level refusal has one body: a JSON-RPC error whose data names the stable code", async () => {
    const pag0 = await serve({ PAG0_MAX_REQUEST_BYTES: "2000", PAG0_RATE_LIMIT_PER_MINUTE: "3" });
    const fetchKey = await pag0.key(`shape-${Date.now()}`, ["fetch"]);
    const auth = { authorization: `Bearer ${fetchKey}` };
    const refusals: [string, Promise<{ status: number; text: string }>, number, string][] = [
      ["no key", rpc(pag0, initialize), 401, "UNAUTHORIZED"],
      ["an unknown key", rpc(pag0, initialize, { authorization: "Bearer pag0_nope" }), 401, "UNAUTHORIZED"],
      ["a foreign Origin", rpc(pag0, initialize, { ...auth, origin: "https://evil.example" }), 403, "FORBIDDEN"],
      ["an unknown session", rpc(pag0, initialize, { ...auth, "mcp-session-id": "nope" }), 404, "INVALID_INPUT"],
      ["a body over the cap", rpc(pag0, { pad: "x".repeat(3000) }, auth), 413, "INVALID_INPUT"],
    ];
    for (const [what, pending, status, code] of refusals) {
      const { status: got, text } = await pending;
      expect(got, what).toBe(status);
      const body = JSON.parse(text);
      expect(body, what).toMatchObject({ jsonrpc: "2.0", id: null, error: { data: { code } } });
      expect(body.error.message, what).toMatch(new RegExp(`^${code}: `));
    }
    const metrics = await fetch(`${pag0.url}/metrics`, { headers: { authorization: `Bearer ${fetchKey}` } });
    expect(metrics.status).toBe(403);
    expect(await metrics.json()).toMatchObject({ error: { data: { code: "FORBIDDEN" } } });
    let limited: { status: number; text: string } | undefined;
    // only tool calls count (a stateful server refuses them without a session: still counted)
    for (let i = 0; i < 6 && limited?.status !== 429; i++) limited = await rpc(pag0, callTool("get_budget"), auth);
    expect(limited?.status).toBe(429);
    expect(JSON.parse(limited!.text)).toMatchObject({
      error: { data: { code: "RATE_LIMITED", retryAfterSeconds: expect.any(Number) } },
    });
    expect(JSON.parse(limited!.text).error.data.retryAfterSeconds).toBeGreaterThan(50);
  });

  test("behavior: the switch is refused off loopback and with public host names, from the env and as --no-auth", () => {
    expect(configProblems({ PAG0_HTTP_AUTH: "none", HOST: "0.0.0.0" })).toEqual([
      expect.stringMatching(/^PAG0_HTTP_AUTH: .*loopback HOST/),
    ]);
    expect(configProblems({ PAG0_HTTP_AUTH: "none", PAG0_PUBLIC_HOSTNAMES: "pag0.example.com" })).toEqual([
      expect.stringMatching(/^PAG0_HTTP_AUTH: .*PAG0_PUBLIC_HOSTNAMES/),
    ]);
    expect(() => withoutAuth(loadConfig({ HOST: "10.0.0.5" }))).toThrow(ConfigError);
    expect(() => withoutAuth(loadConfig({ PAG0_PUBLIC_HOSTNAMES: "pag0.example.com" }))).toThrow(/--no-auth/);
    expect(withoutAuth(loadConfig({})).http.auth).toBe("none");
    expect(loadConfig({}).http.auth).toBe("keys");
  });
});
