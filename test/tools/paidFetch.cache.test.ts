import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.js";
import { closedPort } from "../support/closedPort.js";
import { deleteRedisKeys } from "../support/redisKeys.js";
import { openTestLedger } from "../support/testLedger.js";
import { startTestPag0, type TestPag0, type TestPag0Options } from "../support/testPag0.js";
import { startUpstashBridge, type UpstashBridge } from "../support/upstashBridge.js";
import { startWorld, type World } from "../world/world.js";

// The paid-response cache end to end: the real MCP client, the real pipeline, payments on the local chain.

const PRICE = 25_000n;
const REDIS_URL = "redis://127.0.0.1:6379";
const BRIDGE_TOKEN = `bridge-${randomUUID()}`;
/** every Redis key this run writes starts with it, and is deleted afterwards */
const RUN_PREFIX = `pag0-test:${randomUUID()}`;

let world: World;
let ledger: Ledger;
let bridge: UpstashBridge;
const started: TestPag0[] = [];

beforeAll(async () => {
  [world, ledger, bridge] = await Promise.all([
    startWorld(),
    openTestLedger(),
    startUpstashBridge({ redisUrl: REDIS_URL, token: BRIDGE_TOKEN }),
  ]);
});
afterAll(async () => {
  await Promise.all(started.map((p) => p.close()));
  await ledger?.close();
  await bridge?.close();
  await world?.stop();
  await deleteRedisKeys(REDIS_URL, `${RUN_PREFIX}:*`);
});

async function pag0WithPayer(options: Partial<TestPag0Options> = {}) {
  const payer = await world.newPayer();
  const pag0 = await startTestPag0({ world, ledger, payerKey: payer.key, ...options });
  started.push(pag0);
  return { pag0, payer };
}

const fetchOf = (pag0: TestPag0, args: Record<string, unknown>) =>
  pag0.call("paid_fetch", args).then((r) => {
    if (r.isError) throw new Error(JSON.stringify(r.structuredContent));
    return r.structuredContent;
  });

const metric = async (pag0: TestPag0, name: string) =>
  (await pag0.deps.metrics.registry.getSingleMetric(name)?.get())?.values.reduce((n, v) => n + v.value, 0) ?? 0;

/** Each cache store, with keys under a fresh prefix so parallel runs on the shared Redis never meet. */
const STORES: [string, () => Record<string, string>][] = [
  ["memory", () => ({})],
  ["redis", () => ({ REDIS_URL, PAG0_CACHE_PREFIX: `${RUN_PREFIX}:${randomUUID()}:` })],
  [
    "upstash",
    () => ({ REDIS_URL: bridge.url, REDIS_TOKEN: BRIDGE_TOKEN, PAG0_CACHE_PREFIX: `${RUN_PREFIX}:${randomUUID()}:` }),
  ],
];

describe("paid_fetch cache", () => {
  test.each(STORES)(
    "default (%s): a paid GET repeated within its TTL pays once; the repeat is cached with the saving",
    async (_store, env) => {
      const { pag0, payer } = await pag0WithPayer({ env: env() });
      const payTo = world.newAddress();
      const url = world.v2.route({ price: PRICE, payTo, body: { forecast: "sunny" } });
      const before = await world.balanceOf(payer.address);

      const first = await fetchOf(pag0, { url });
      const second = await fetchOf(pag0, { url });

      expect(first).toMatchObject({ cached: false, payment: { amountAtomic: "25000" } });
      expect(second).toMatchObject({ status: 200, cached: true, payment: null, saved: "0.025" });
      expect(JSON.parse(second.body)).toEqual({ forecast: "sunny" });
      // the saving of a hit without the agent's own idempotency key is written behind the response: no receipt id yet
      expect(second.receiptId).toBeNull();
      // on chain: paid once
      expect(await world.balanceOf(payer.address)).toBe(before - PRICE);
      expect(await world.balanceOf(payTo)).toBe(PRICE);
      expect(world.v2.stats(url).settled).toBe(1);
      expect(pag0.deps.wallet?.signatureCount).toBe(1);
      // the ledger shows the saving beside the spend
      const spend = (await pag0.call("list_spend", {})).structuredContent;
      expect(spend.totals).toEqual({ spent: "0.025", saved: "0.025", count: 2 });
      expect(spend.items[0].receiptId).not.toBe(first.receiptId);
      expect(spend.items[0]).toMatchObject({
        status: "settled",
        amount: "0.00",
        cached: true,
        saved: "0.025",
        txHash: null,
        payTo,
      });
      expect(spend.items[1]).toMatchObject({ receiptId: first.receiptId, cached: false, saved: "0.00" });
      const budget = (await pag0.call("get_budget", {})).structuredContent;
      expect(budget).toMatchObject({ spent: { today: "0.025" }, saved: { today: "0.025", month: "0.025" } });
    },
  );

  test.each([
    ["Cache-Control: no-store", { headers: { "cache-control": "no-store" } }, "no_store"],
    ["a Set-Cookie response", { headers: { "set-cookie": "session=abc; HttpOnly" } }, "set_cookie"],
    ["a 500", { status: 500 }, "status"],
    ["a body over the entry cap", { body: "x".repeat(2_000) }, "too_large"],
  ])("behavior: %s is not cached: the repeat pays again", async (_name, route, reason) => {
    const { pag0, payer } = await pag0WithPayer({ env: { PAG0_CACHE_MAX_ENTRY_BYTES: "1024" } });
    const url = world.v2.route({ price: PRICE, ...route });
    const before = await world.balanceOf(payer.address);

    const results = [await fetchOf(pag0, { url }), await fetchOf(pag0, { url })];

    for (const r of results) expect(r).toMatchObject({ cached: false, payment: { amountAtomic: "25000" } });
    expect(world.v2.stats(url).settled).toBe(2);
    expect(await world.balanceOf(payer.address)).toBe(before - 2n * PRICE);
    const notStored = await pag0.deps.metrics.registry.getSingleMetric("pag0_cache_not_stored_total")?.get();
    expect(notStored?.values).toEqual([expect.objectContaining({ labels: { reason }, value: 2 })]);
    expect((await pag0.call("list_spend", {})).structuredContent.totals).toMatchObject({ saved: "0.00" });
  });

  test("behavior: max-age=1 expires after a second (beside a max-age=60 route that stays cached)", async () => {
    const { pag0 } = await pag0WithPayer();
    const brief = world.v2.route({ price: PRICE, headers: { "cache-control": "max-age=1" } });
    const lasting = world.v2.route({ price: PRICE, headers: { "cache-control": "max-age=60" } });
    await fetchOf(pag0, { url: brief });
    await fetchOf(pag0, { url: lasting });

    await new Promise((r) => setTimeout(r, 1_100));

    expect(await fetchOf(pag0, { url: brief })).toMatchObject({ cached: false, payment: { amountAtomic: "25000" } });
    expect(await fetchOf(pag0, { url: lasting })).toMatchObject({ cached: true, payment: null });
    expect(world.v2.stats(brief).settled).toBe(2);
    expect(world.v2.stats(lasting).settled).toBe(1);
  });

  test("behavior: principal A's cached paid response is not served to principal B on the same cache", async () => {
    const a = await pag0WithPayer();
    const b = await pag0WithPayer({ cache: a.pag0.deps.cache });
    const url = world.v2.route({ price: PRICE, body: { for: "whoever paid" } });
    const bBefore = await world.balanceOf(b.payer.address);

    await fetchOf(a.pag0, { url });
    const forB = await fetchOf(b.pag0, { url });
    const forA = await fetchOf(a.pag0, { url });

    expect(forB).toMatchObject({ cached: false, payment: { amountAtomic: "25000" } });
    expect(await world.balanceOf(b.payer.address)).toBe(bBefore - PRICE);
    expect(forA).toMatchObject({ cached: true });
    expect(world.v2.stats(url).settled).toBe(2);
  });

  test("behavior: with shared caching on, only an explicitly public response is served across principals", async () => {
    const env = { PAG0_CACHE_SHARED_PUBLIC: "true" };
    const a = await pag0WithPayer({ env });
    const b = await pag0WithPayer({ env, cache: a.pag0.deps.cache });
    const publicUrl = world.v2.route({ price: PRICE, headers: { "cache-control": "public, max-age=60" } });
    const privateUrl = world.v2.route({ price: PRICE, headers: { "cache-control": "max-age=60" } });

    await fetchOf(a.pag0, { url: publicUrl });
    await fetchOf(a.pag0, { url: privateUrl });

    expect(await fetchOf(b.pag0, { url: publicUrl })).toMatchObject({ cached: true, saved: "0.025" });
    expect(await fetchOf(b.pag0, { url: privateUrl })).toMatchObject({ cached: false, payment: { amount: "0.025" } });
    expect(world.v2.stats(publicUrl).settled).toBe(1);
    expect(world.v2.stats(privateUrl).settled).toBe(2);
  });

  test("behavior: a different Authorization header is a different entry, and the credential is never logged", async () => {
    const { pag0 } = await pag0WithPayer();
    const url = world.v2.route({ price: PRICE });
    const as = (token: string) => fetchOf(pag0, { url, headers: { Authorization: `Bearer ${token}` } });

    expect(await as("alpha-credential")).toMatchObject({ cached: false });
    expect(await as("beta-credential")).toMatchObject({ cached: false });
    expect(await as("alpha-credential")).toMatchObject({ cached: true });
    expect(world.v2.stats(url).settled).toBe(2);
    expect(pag0.logs.join("")).not.toMatch(/alpha-credential|beta-credential/);
  });

  test("behavior: POST, cached only where a host rule allows it, keys on the body", async () => {
    const { pag0 } = await pag0WithPayer({ configFile: { cacheRules: [{ host: "127.0.0.1", methods: ["POST"] }] } });
    const url = world.v2.route({ price: PRICE, method: "POST" });
    const post = (query: unknown) => fetchOf(pag0, { url, method: "POST", json: query });

    expect(await post({ q: "cats" })).toMatchObject({ cached: false });
    expect(await post({ q: "dogs" })).toMatchObject({ cached: false });
    expect(await post({ q: "cats" })).toMatchObject({ cached: true, saved: "0.025" });
    expect(world.v2.stats(url).settled).toBe(2);

    const { pag0: noRule } = await pag0WithPayer();
    const other = world.v2.route({ price: PRICE, method: "POST" });
    await fetchOf(noRule, { url: other, method: "POST", body: "same" });
    expect(await fetchOf(noRule, { url: other, method: "POST", body: "same" })).toMatchObject({ cached: false });
    expect(world.v2.stats(other).settled).toBe(2);
  });

  test("behavior: Vary: Accept is honoured", async () => {
    const { pag0 } = await pag0WithPayer();
    const url = world.v2.route({ price: PRICE, headers: { vary: "Accept" } });
    const accepting = (accept: string) => fetchOf(pag0, { url, headers: { accept } });

    expect(await accepting("application/json")).toMatchObject({ cached: false });
    expect(await accepting("text/csv")).toMatchObject({ cached: false });
    expect(await accepting("application/json")).toMatchObject({ cached: true });
    expect(await accepting("text/csv")).toMatchObject({ cached: true });
    expect(world.v2.stats(url).settled).toBe(2);
  });

  test('behavior: cache: "bypass" pays again and refreshes the entry', async () => {
    const { pag0, payer } = await pag0WithPayer();
    let version = 0;
    const url = world.v2.route({
      price: PRICE,
      get body() {
        return { version: ++version };
      },
    });
    const before = await world.balanceOf(payer.address);

    const first = await fetchOf(pag0, { url });
    const bypassed = await fetchOf(pag0, { url, cache: "bypass" });
    const after = await fetchOf(pag0, { url });

    expect(JSON.parse(first.body)).toEqual({ version: 1 });
    expect(bypassed).toMatchObject({ cached: false, payment: { amountAtomic: "25000" } });
    expect(JSON.parse(bypassed.body)).toEqual({ version: 2 });
    expect(after).toMatchObject({ cached: true, payment: null });
    expect(JSON.parse(after.body)).toEqual({ version: 2 });
    expect(await world.balanceOf(payer.address)).toBe(before - 2n * PRICE);
    expect(world.v2.stats(url).settled).toBe(2);
  });

  test("behavior: 10 concurrent identical calls pay once; the others are served what it bought", async () => {
    const { pag0 } = await pag0WithPayer();
    const url = world.v2.route({ price: PRICE });
    const results = await Promise.all(Array.from({ length: 10 }, () => fetchOf(pag0, { url })));
    expect(results.filter((r) => r.payment !== null)).toHaveLength(1);
    expect(results.filter((r) => r.cached)).toHaveLength(9);
    expect(world.v2.stats(url).settled).toBe(1);
    expect((await pag0.call("list_spend", {})).structuredContent.totals).toEqual({
      spent: "0.025",
      saved: "0.225",
      count: 10,
    });
  });

  test.each([
    ["redis", async () => ({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` })],
    ["upstash", async () => ({ REDIS_URL: `http://127.0.0.1:${await closedPort()}`, REDIS_TOKEN: BRIDGE_TOKEN })],
  ])(
    "behavior: %s unreachable: paid calls still work, each pays exactly once; a log line and a metric say so",
    async (_store, env) => {
      const { pag0, payer } = await pag0WithPayer({ env: { ...(await env()), PAG0_CACHE_TIMEOUT_MS: "200" } });
      const url = world.v2.route({ price: PRICE });
      const before = await world.balanceOf(payer.address);

      const first = await fetchOf(pag0, { url });
      const second = await fetchOf(pag0, { url });

      for (const r of [first, second]) expect(r).toMatchObject({ cached: false, payment: { amountAtomic: "25000" } });
      expect(first.payment.txHash).not.toBe(second.payment.txHash);
      expect(world.v2.stats(url).settled).toBe(2);
      expect(pag0.deps.wallet?.signatureCount).toBe(2);
      expect(await world.balanceOf(payer.address)).toBe(before - 2n * PRICE);
      const warned = pag0.logs.filter((l) => l.includes("cache bypassed"));
      expect(warned.length).toBeGreaterThan(0);
      expect(warned.join("")).not.toContain(BRIDGE_TOKEN);
      expect(await metric(pag0, "pag0_cache_bypassed_total")).toBeGreaterThanOrEqual(2);
    },
  );
});
