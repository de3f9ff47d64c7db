import { describe, expect, test } from "vitest";
import { paymentChainClients } from "../../src/app/chainClients.js";
import { createPipeline } from "../../src/app/pipeline.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import { createReconciler } from "../../src/payment/reconciler.js";
import { testCallContext } from "../support/callContext.js";
import { openTestLedger } from "../support/testLedger.js";
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

async function pag0With(payerAmount = 100_000_000n, options: Partial<Parameters<typeof startTestPag0>[0]> = {}) {
  const payer = await world.newPayer(payerAmount);
  const pag0 = await startTestPag0({ world, ledger, payerKey: payer.key, ...options });
  started.push(pag0);
  return { pag0, payer };
}

/** A reconciler of this file's ledger; its clock reads `at` (ms since the epoch) when given */
const reconcilerOf = (pag0: TestPag0, at?: number) =>
  createReconciler({
    ledger,
    networks: pag0.config.networks,
    clientFor: paymentChainClients(),
    log: pag0.deps.log,
    signedGraceMs: 0,
    expirySkewSeconds: 0,
    now: at === undefined ? undefined : () => new Date(at),
  });

describe("paid_fetch outcomes", () => {
  test("behavior: the facilitator refuses a payer without funds: held until the authorization expires, then released", async () => {
    const { pag0, payer } = await pag0With(0n);
    const url = world.v2.route({ price: 10_000n });
    const res = await pag0.call("paid_fetch", { url });
    const error = res.structuredContent.error;
    expect(error.code).toBe("PAYMENT_OUTCOME_UNKNOWN");
    expect(error.message).toMatch(/refused the payment \(.*insufficient.*\)/i);
    expect(error.details).toMatchObject({
      reason: expect.stringMatching(/insufficient/i),
      validUntil: expect.any(String),
    });
    expect(pag0.deps.wallet?.signatureCount).toBe(1);
    expect(await world.balanceOf(payer.address)).toBe(0n);
    // the payee could still submit the signed authorization (say once the wallet is funded): it stays reserved
    expect((await pag0.call("get_budget", {})).structuredContent).toMatchObject({
      spent: { today: "0.00" },
      reserved: "0.01",
    });
    expect((await pag0.call("list_spend", {})).structuredContent.items[0]).toMatchObject({ status: "unknown" });

    // before validBefore the reconciler keeps it; once it passed, unused on chain, it is released
    expect((await reconcilerOf(pag0, Date.parse(error.details.validUntil) - 1_000).runOnce()).released).toBe(0);
    expect((await pag0.call("get_budget", {})).structuredContent.reserved).toBe("0.01");
    await reconcilerOf(pag0, Date.parse(error.details.validUntil) + 1_000).runOnce();
    expect((await pag0.call("get_budget", {})).structuredContent).toMatchObject({
      spent: { today: "0.00" },
      reserved: "0.00",
    });
    expect((await pag0.call("list_spend", {})).structuredContent.items[0]).toMatchObject({
      status: "released",
      txHash: null,
    });
    expect(await world.balanceOf(payer.address)).toBe(0n);
  });

  test("behavior: a server that settles and then says it refused cannot take more than the budget", async () => {
    const { pag0, payer } = await pag0With(100_000_000n, {
      limits: { perRequest: 10_000n, daily: 30_000n, monthly: 1_000_000n },
    });
    const payTo = world.newAddress();
    const url = world.v2.route({ price: 10_000n, payTo, misbehave: "refuse-after-settle" });
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push((await pag0.call("paid_fetch", { url, cache: "bypass" })).structuredContent.error.code);
    }
    expect(codes).toEqual([
      "PAYMENT_OUTCOME_UNKNOWN",
      "PAYMENT_OUTCOME_UNKNOWN",
      "PAYMENT_OUTCOME_UNKNOWN",
      "BUDGET_EXCEEDED",
      "BUDGET_EXCEEDED",
    ]);
    // the server took three payments; the held amounts kept the other two calls from signing
    expect(world.v2.stats(url).settled).toBe(3);
    expect(pag0.deps.wallet?.signatureCount).toBe(3);
    expect(await world.balanceOf(payTo)).toBe(30_000n);
    expect(await world.balanceOf(payer.address)).toBe(100_000_000n - 30_000n);

    // the reconciler learns from the chain what the server denied
    const report = await reconcilerOf(pag0).runOnce();
    expect(report.settled).toBeGreaterThanOrEqual(3);
    const spend = (await pag0.call("list_spend", {})).structuredContent;
    expect(spend.items.map((i: { status: string }) => i.status)).toEqual(["settled", "settled", "settled"]);
    expect((await pag0.call("get_budget", {})).structuredContent).toMatchObject({
      spent: { today: "0.03" },
      reserved: "0.00",
      remaining: { today: "0.00" },
    });
  });

  test("behavior: settled then dropped: PAYMENT_OUTCOME_UNKNOWN, held, then the reconciler records the settlement", async () => {
    const { pag0, payer } = await pag0With();
    const url = world.v2.route({ price: 20_000n, misbehave: "drop-after-settle" });
    const res = await pag0.call("paid_fetch", { url });
    expect(res.structuredContent.error.code).toBe("PAYMENT_OUTCOME_UNKNOWN");
    const receiptId = res.structuredContent.error.details.receiptId;
    expect(await world.balanceOf(payer.address)).toBe(100_000_000n - 20_000n);
    expect((await pag0.call("get_budget", {})).structuredContent.reserved).toBe("0.02");
    expect((await pag0.call("list_spend", {})).structuredContent.items[0]).toMatchObject({
      receiptId,
      status: "unknown",
    });

    const report = await reconcilerOf(pag0).runOnce();

    expect(report.settled).toBeGreaterThanOrEqual(1);
    const item = (await pag0.call("list_spend", {})).structuredContent.items[0];
    expect(item).toMatchObject({ receiptId, status: "settled", amount: "0.02" });
    const settledTx = world.settlements.find((s) => s.payer?.toLowerCase() === payer.address.toLowerCase());
    expect(item.txHash).toBe(settledTx?.transaction);
    const budget = (await pag0.call("get_budget", {})).structuredContent;
    expect(budget).toMatchObject({ reserved: "0.00", spent: { today: "0.02" } });
  });

  test("behavior: settled then dropped, retried with the same key: the signed payment is resent, and it pays once", async () => {
    const { pag0, payer } = await pag0With();
    const payTo = world.newAddress();
    const url = world.v2.route({
      price: 20_000n,
      payTo,
      paymentIdentifier: true,
      misbehave: "drop-after-settle",
      body: { bought: "once" },
    });
    const first = await pag0.call("paid_fetch", { url, idempotencyKey: "lost-response" });
    expect(first.structuredContent.error.code).toBe("PAYMENT_OUTCOME_UNKNOWN");

    const retry = await pag0.call("paid_fetch", { url, idempotencyKey: "lost-response" });

    expect(retry.isError).toBeFalsy();
    expect(JSON.parse(retry.structuredContent.body)).toEqual({ bought: "once" });
    expect(retry.structuredContent.payment).toMatchObject({ amount: "0.02", txHash: expect.stringMatching(/^0x/) });
    // the stored payload went out again, byte for byte: one signature, one transfer
    const { paymentHeaders, settled } = world.v2.stats(url);
    expect(paymentHeaders).toHaveLength(2);
    expect(paymentHeaders[1]).toBe(paymentHeaders[0]);
    expect(pag0.deps.wallet?.signatureCount).toBe(1);
    expect(settled).toBe(1);
    expect(await world.balanceOf(payTo)).toBe(20_000n);
    expect(await world.balanceOf(payer.address)).toBe(100_000_000n - 20_000n);
    expect((await pag0.call("list_spend", {})).structuredContent.items[0]).toMatchObject({
      receiptId: first.structuredContent.error.details.receiptId,
      status: "settled",
      txHash: retry.structuredContent.payment.txHash,
    });
    expect((await pag0.call("get_budget", {})).structuredContent).toMatchObject({
      reserved: "0.00",
      spent: { today: "0.02" },
    });
  });

  test("behavior: signed but never settled: held while the authorization is valid, released once it expired", async () => {
    const { pag0, payer } = await pag0With();
    const url = world.v2.route({ price: 20_000n, maxTimeoutSeconds: 2, misbehave: "drop-before-settle" });
    const res = await pag0.call("paid_fetch", { url });
    expect(res.structuredContent.error.code).toBe("PAYMENT_OUTCOME_UNKNOWN");
    const reconciler = reconcilerOf(pag0);

    const early = await reconciler.runOnce();
    expect(early.undecided).toBeGreaterThanOrEqual(1);
    expect((await pag0.call("get_budget", {})).structuredContent.reserved).toBe("0.02");

    await new Promise((r) => setTimeout(r, 3_000)); // let validBefore (now + 2 s) pass
    await reconciler.runOnce();
    const item = (await pag0.call("list_spend", {})).structuredContent.items[0];
    expect(item).toMatchObject({ status: "released", txHash: null });
    expect((await pag0.call("get_budget", {})).structuredContent).toMatchObject({
      reserved: "0.00",
      spent: { today: "0.00" },
    });
    expect(await world.balanceOf(payer.address)).toBe(100_000_000n);
  });

  test("behavior: an upstream body over the cap is truncated while streaming, never loaded whole", async () => {
    const { pag0 } = await pag0With(100_000_000n, { env: { PAG0_MAX_RESPONSE_BYTES: "65536" } });
    const url = world.v2.route({ free: true, streamBytes: 50 * 1024 * 1024 });
    const out = (await pag0.call("paid_fetch", { url })).structuredContent;
    expect(out.truncated).toBe(true);
    expect(Buffer.from(out.body, out.bodyEncoding === "base64" ? "base64" : "utf8").length).toBeLessThanOrEqual(65536);
    // the server stopped writing long before 50 MB: the body was cut off, not buffered
    await new Promise((r) => setTimeout(r, 200));
    expect(world.v2.stats(url).bytesSent).toBeLessThan(10 * 1024 * 1024);
  });
});

describe("paid_fetch with the ledger down", () => {
  test("behavior: LEDGER_UNAVAILABLE and no signature; free calls still work", async () => {
    const broken = await openTestLedger();
    const payer = await world.newPayer();
    const pag0 = await startTestPag0({ world, ledger: broken, payerKey: payer.key });
    started.push(pag0);
    await broken.close();

    const res = await pag0.call("paid_fetch", { url: world.v2.route({ price: 10_000n }) });

    expect(res.structuredContent.error.code).toBe("LEDGER_UNAVAILABLE");
    expect(pag0.deps.wallet?.signatureCount).toBe(0);
    expect(await world.balanceOf(payer.address)).toBe(100_000_000n);
    const free = await pag0.call("paid_fetch", { url: world.v2.route({ free: true }) });
    expect(free.structuredContent).toMatchObject({ status: 200, payment: null, budget: null });
  });
});

describe("secrets", () => {
  test("behavior: the wallet key appears in no log line and no tool result", async () => {
    const { pag0, payer } = await pag0With();
    const results = [
      await pag0.call("paid_fetch", { url: world.v2.route({ price: 10_000n }) }),
      await pag0.call("paid_fetch", { url: world.v2.route({ price: 10_000n, misbehave: "drop-after-settle" }) }),
      await pag0.call("paid_fetch", { url: world.v2.route({ price: 9_000_000n }) }),
      await pag0.call("paid_fetch", { url: "http://[::1" }),
      await pag0.call("get_budget", {}),
      await pag0.call("list_spend", {}),
    ];
    const keyHex = payer.key.slice(2).toLowerCase();
    const everything = (JSON.stringify(results) + pag0.logs.join("")).toLowerCase();
    expect(pag0.logs.length).toBeGreaterThan(0);
    expect(everything).not.toContain(keyHex);
  });
});

describe("paid_fetch cancellation", () => {
  test("behavior: cancelled while its budget is reserved: nothing is signed and the hold is released", async () => {
    const { pag0, payer } = await pag0With();
    const cancel = new AbortController();
    // the cancellation arrives while the ledger is reserving, the last moment before signing
    const cancellingLedger: Ledger = {
      ...ledger,
      reserve: async (input) => {
        const r = await ledger.reserve(input);
        cancel.abort();
        return r;
      },
    };
    const run = createPipeline({ ...pag0.deps, ledger: cancellingLedger });
    const url = world.v2.route({ price: 10_000n });

    const outcome = await run(
      testCallContext(url, { principal: pag0.principal, signal: cancel.signal, log: pag0.deps.log }),
    );

    expect(outcome).toMatchObject({ kind: "denied", code: "PAYMENT_FAILED" });
    expect(pag0.deps.wallet?.signatureCount).toBe(0);
    expect(world.v2.stats(url).paymentsReceived).toBe(0);
    expect(await world.balanceOf(payer.address)).toBe(100_000_000n);
    const item = (await pag0.call("list_spend", {})).structuredContent.items[0];
    expect(item).toMatchObject({ status: "released" });
    expect((await pag0.call("get_budget", {})).structuredContent.reserved).toBe("0.00");
  });
});
