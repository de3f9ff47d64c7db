import { describe, expect, test } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.js";
import { startTestPag0, type TestPag0 } from "../support/testPag0.js";
import { withWorld } from "../support/withWorld.js";
import type { World } from "../world/world.js";

let world: World;
let ledger: Ledger;
const started: TestPag0[] = [];

withWorld((w, l) => {
  world = w;
  ledger = l;
}, started);

async function pag0WithPayer(options: Partial<Parameters<typeof startTestPag0>[0]> = {}) {
  const payer = await world.newPayer();
  const pag0 = await startTestPag0({ world, ledger, payerKey: payer.key, ...options });
  started.push(pag0);
  return { pag0, payer };
}

describe("paid_fetch pays", () => {
  test("default: a paid v2 GET moves exactly the price on chain and list_spend shows its tx", async () => {
    const { pag0, payer } = await pag0WithPayer();
    const payTo = world.newAddress();
    const url = world.v2.route({ price: 25_000n, payTo, body: { forecast: "sunny" } });
    const before = await world.balanceOf(payer.address);

    const res = await pag0.call("paid_fetch", { url });

    expect(res.isError).toBeFalsy();
    const out = res.structuredContent;
    expect(out.status).toBe(200);
    expect(JSON.parse(out.body)).toEqual({ forecast: "sunny" });
    expect(out.payment).toMatchObject({
      amount: "0.025",
      amountAtomic: "25000",
      network: world.network,
      payTo,
      x402Version: 2,
    });
    expect(out.payment.payer.toLowerCase()).toBe(payer.address.toLowerCase());
    expect(await world.balanceOf(payer.address)).toBe(before - 25_000n);
    expect(await world.balanceOf(payTo)).toBe(25_000n);
    const receipt = await world.publicClient.getTransactionReceipt({ hash: out.payment.txHash });
    expect(receipt.status).toBe("success");
    expect(world.v2.stats(url).settled).toBe(1);

    const spend = (await pag0.call("list_spend", {})).structuredContent;
    expect(spend.items).toHaveLength(1);
    expect(spend.items[0]).toMatchObject({
      receiptId: out.receiptId,
      status: "settled",
      amount: "0.025",
      txHash: out.payment.txHash,
      payTo,
    });
    expect(spend.totals).toMatchObject({ spent: "0.025", count: 1 });
  });

  test("behavior: a v1 server is paid through registerV1 and its X-PAYMENT-RESPONSE is recorded", async () => {
    const { pag0, payer } = await pag0WithPayer();
    const payTo = world.newAddress();
    const url = world.v1.route({ price: 30_000n, payTo });
    const before = await world.balanceOf(payer.address);

    const out = (await pag0.call("paid_fetch", { url })).structuredContent;

    expect(out.payment).toMatchObject({ amountAtomic: "30000", x402Version: 1, network: world.network });
    expect(await world.balanceOf(payer.address)).toBe(before - 30_000n);
    expect(await world.balanceOf(payTo)).toBe(30_000n);
    expect((await world.publicClient.getTransactionReceipt({ hash: out.payment.txHash })).status).toBe("success");
    const spend = (await pag0.call("list_spend", {})).structuredContent;
    expect(spend.items[0]).toMatchObject({ status: "settled", txHash: out.payment.txHash });
  });

  test("behavior: a free API is fetched without payment and without a ledger row", async () => {
    const { pag0, payer } = await pag0WithPayer();
    const url = world.v2.route({ free: true, body: { hello: "world" } });
    const out = (await pag0.call("paid_fetch", { url })).structuredContent;
    expect(out).toMatchObject({ status: 200, payment: null, receiptId: null, cached: false, bodyEncoding: "utf8" });
    expect(JSON.parse(out.body)).toEqual({ hello: "world" });
    expect(pag0.deps.wallet?.signatureCount).toBe(0);
    expect(await world.balanceOf(payer.address)).toBe(100_000_000n);
    expect((await pag0.call("list_spend", {})).structuredContent.totals.count).toBe(0);
  });

  test("behavior: get_budget shows limits, spend and what remains", async () => {
    const { pag0 } = await pag0WithPayer({ limits: { daily: 500_000n, monthly: 2_000_000n, perRequest: 100_000n } });
    await pag0.call("paid_fetch", { url: world.v2.route({ price: 40_000n }) });
    const b = (await pag0.call("get_budget", {})).structuredContent;
    expect(b).toMatchObject({
      currency: "USDC",
      limits: { perRequest: "0.10", daily: "0.50", monthly: "2.00" },
      spent: { today: "0.04", month: "0.04" },
      reserved: "0.00",
      remaining: { today: "0.46", month: "1.96" },
    });
    expect(new Date(b.resetsAt.day).getUTCHours()).toBe(0);
    expect(new Date(b.resetsAt.month).getUTCDate()).toBe(1);
  });
});

describe("paid_fetch exactly once", () => {
  test("behavior: 20 concurrent calls with one idempotencyKey pay once and all get the paid response", async () => {
    const { pag0, payer } = await pag0WithPayer();
    const url = world.v2.route({ price: 10_000n, body: { secret: "paid data" } });
    const before = await world.balanceOf(payer.address);

    const results = await Promise.all(
      Array.from({ length: 20 }, () => pag0.call("paid_fetch", { url, idempotencyKey: "order-42" })),
    );

    expect(results.filter((r) => r.isError)).toEqual([]);
    expect(await world.balanceOf(payer.address)).toBe(before - 10_000n);
    expect(world.v2.stats(url).settled).toBe(1);
    expect(pag0.deps.wallet?.signatureCount).toBe(1);
    const txs = new Set(results.map((r) => r.structuredContent.payment.txHash));
    expect(txs.size).toBe(1);
    for (const r of results) expect(JSON.parse(r.structuredContent.body)).toEqual({ secret: "paid data" });
    expect((await pag0.call("list_spend", {})).structuredContent.totals).toMatchObject({ count: 1, spent: "0.01" });
  });

  test("behavior: a later retry with the same key replays the stored response without paying", async () => {
    const { pag0, payer } = await pag0WithPayer();
    const url = world.v2.route({ price: 10_000n });
    const first = (await pag0.call("paid_fetch", { url, idempotencyKey: "k-1" })).structuredContent;
    const again = (await pag0.call("paid_fetch", { url, idempotencyKey: "k-1" })).structuredContent;
    expect(again.payment.txHash).toBe(first.payment.txHash);
    expect(again.body).toBe(first.body);
    expect(again.receiptId).toBe(first.receiptId);
    expect(await world.balanceOf(payer.address)).toBe(100_000_000n - 10_000n);
  });

  test("behavior: reusing a key for a different request is refused without paying", async () => {
    const { pag0 } = await pag0WithPayer();
    await pag0.call("paid_fetch", { url: world.v2.route({ price: 10_000n }), idempotencyKey: "k-2" });
    const res = await pag0.call("paid_fetch", { url: world.v2.route({ price: 10_000n }), idempotencyKey: "k-2" });
    expect(res.structuredContent.error.code).toBe("INVALID_INPUT");
    expect(pag0.deps.wallet?.signatureCount).toBe(1);
  });
});
