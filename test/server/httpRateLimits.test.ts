import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.js";
import { migratePostgres } from "../../src/ledger/migratePostgres.js";
import { openPostgres } from "../../src/ledger/postgresClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";
import { hashApiKey, newApiKey } from "../../src/server/apiKeys.js";
import { type Pag0HttpProcess, startPag0HttpProcess } from "../support/pag0HttpProcess.js";
import { deleteRedisKeys } from "../support/redisKeys.js";
import { createThrowawayDb, type ThrowawayDb } from "../support/throwawayDb.js";
import { startUpstashBridge, type UpstashBridge } from "../support/upstashBridge.js";

// Production: stateless `pag0 http` instances behind a load balancer, on one Postgres (and Redis): each key has one
// limit across all of them, not one per instance.
const LIMIT = 5;
const SALT = "rate-limits-test-salt-0123456789";
const REDIS = "redis://127.0.0.1:6379";
const TOKEN = `token-${randomUUID()}`;
const PREFIX = `pag0-test:${randomUUID()}:`;

let db: ThrowawayDb;
let ledger: Ledger;
let bridge: UpstashBridge;
const root = mkdtempSync(join(tmpdir(), "pag0-rate-"));
const running: Pag0HttpProcess[] = [];
beforeAll(async () => {
  [db, bridge] = await Promise.all([createThrowawayDb(), startUpstashBridge({ redisUrl: REDIS, token: TOKEN })]);
  const client = openPostgres(db.url, { max: 4 });
  await migratePostgres(client.sql, MIGRATIONS_DIR);
  ledger = sqlLedger(client);
  await ledger.upsertPrincipal("agent", { perRequest: 10_000n, daily: 100_000n, monthly: 1_000_000n });
});
afterAll(async () => {
  for (const p of running) p.child.kill("SIGKILL");
  await ledger?.close();
  await bridge?.close();
  await db?.drop();
  await deleteRedisKeys(REDIS, `${PREFIX}*`);
  rmSync(root, { recursive: true, force: true });
});

/** Three stateless instances on the test database, limited to LIMIT tool calls a minute per key. */
const startThree = (env: Record<string, string>) =>
  Promise.all(
    [1, 2, 3].map(async () => {
      const p = await startPag0HttpProcess({
        PAG0_DATA_DIR: mkdtempSync(join(root, "i-")),
        DATABASE_URL: db.url,
        API_KEY_SALT: SALT,
        PAG0_HTTP_SESSIONS: "false",
        PAG0_RATE_LIMIT_PER_MINUTE: String(LIMIT),
        PAG0_CACHE_PREFIX: PREFIX,
        // a loaded test machine must not make the shared store late (which lets calls through)
        PAG0_CACHE_TIMEOUT_MS: "2000",
        ...env,
      });
      running.push(p);
      return p;
    }),
  );

async function newKey(): Promise<string> {
  const { id, key } = newApiKey();
  await ledger.createApiKey({ id, principal: "agent", keyHash: hashApiKey(key, SALT), scopes: ["read"] });
  return key;
}

const post = (instance: Pag0HttpProcess, key: string, body: unknown) =>
  fetch(`${instance.url}/mcp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify(body),
  });
const initialize = {
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } },
};
const getBudget = (id: number) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "get_budget", arguments: {} },
});

async function until(ok: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describe("pag0 http: rate limits across three instances", () => {
  test.each([
    ["postgres", () => ({})],
    ["redis", () => ({ REDIS_URL: REDIS })],
    ["upstash", () => ({ REDIS_URL: bridge.url, REDIS_TOKEN: TOKEN })],
  ])(
    "behavior: %s: one key spread over three instances gets the limit in total, then RATE_LIMITED",
    {
      timeout: 120_000,
    },
    async (store, env) => {
      const three = await startThree(env());
      try {
        // the ready line (pino writes it asynchronously, after the human one) names the store
        await until(() => three.every((i) => i.stderr().includes('"msg":"pag0 http ready"')));
        for (const i of three) expect(i.stderr()).toContain(`"rateLimits":"${store}"`);
        const key = await newKey();
        // what a client sends before its calls: not counted, on any instance
        for (const i of three) {
          expect((await post(i, key, initialize)).status).toBe(200);
          expect((await post(i, key, { jsonrpc: "2.0", method: "notifications/initialized" })).status).toBe(202);
          expect((await post(i, key, { jsonrpc: "2.0", id: 1, method: "tools/list" })).status).toBe(200);
        }
        const statuses: number[] = [];
        for (let n = 0; n < 3 * LIMIT; n++) statuses.push((await post(three[n % 3]!, key, getBudget(n))).status);
        expect(statuses).toEqual([...Array(LIMIT).fill(200), ...Array(2 * LIMIT).fill(429)]);
        const refused = await post(three[0]!, key, getBudget(99));
        expect(await refused.json()).toMatchObject({ error: { data: { code: "RATE_LIMITED" } } });

        // at once: the shared counter is atomic, so the limit holds within one request
        const other = await newKey();
        const burst = await Promise.all(
          Array.from({ length: 4 * LIMIT }, (_, n) => post(three[n % 3]!, other, getBudget(n))),
        );
        const answered = burst.filter((r) => r.status === 200).length;
        expect(answered).toBeGreaterThanOrEqual(LIMIT);
        expect(answered).toBeLessThanOrEqual(LIMIT + 1);
        expect(burst.every((r) => r.status === 200 || r.status === 429)).toBe(true);
        for (const i of three) expect(i.stderr()).not.toContain("rate limits are not enforced");
      } finally {
        for (const i of three) i.child.kill("SIGTERM");
      }
    },
  );
});
