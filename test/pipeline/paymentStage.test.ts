import { decodePaymentSignatureHeader } from "@x402/core/http";
import { extractPaymentIdentifier } from "@x402/extensions/payment-identifier";
import { describe, expect, test } from "vitest";
import type { App } from "../../src/app.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import { paymentIdOf } from "../../src/payment/paymentId.js";
import { compose } from "../../src/pipeline/compose.js";
import type { CallContext } from "../../src/pipeline/context.js";
import { fetchStage } from "../../src/pipeline/fetchStage.js";
import { paymentStage } from "../../src/pipeline/paymentStage.js";
import { quoteStage } from "../../src/pipeline/quoteStage.js";
import { testCallContext } from "../support/callContext.js";
import { startTestPag0, type TestPag0 } from "../support/testPag0.js";
import { withWorld } from "../support/withWorld.js";
import type { World } from "../world/world.js";
import { testQuoteRules } from "./stageParts.js";

// The payment stage over the real stages below it (quote, fetch), paying the local chain with the real x402 payer
// and PGlite ledger of a test Pag0. The same calls through MCP are in test/tools/paidFetch.*.test.ts.

let world: World;
let ledger: Ledger;
const started: TestPag0[] = [];
withWorld((w, l) => {
  world = w;
  ledger = l;
}, started);

async function harness(o: { dailyLimit?: bigint; approvalThreshold?: bigint } = {}) {
  const payer = await world.newPayer();
  const pag0 = await startTestPag0({
    world,
    ledger,
    payerKey: payer.key,
    ...(o.dailyLimit === undefined ? {} : { limits: { daily: o.dailyLimit } }),
  });
  started.push(pag0);
  const app: App = pag0.deps;
  const run = compose([
    paymentStage({
      fetch: app.fetch,
      ledger,
      payer: app.payer,
      maxResponseBytes: 1 << 20,
      metrics: app.metrics.tools,
      reservationTtlSeconds: 600,
      replayWaitMs: 5_000,
      approval: { threshold: o.approvalThreshold, ttlSeconds: 600 },
    }),
    quoteStage({ networks: app.config.networks, ledger, canPay: true, rules: testQuoteRules(app) }),
    fetchStage({ fetch: app.fetch, maxResponseBytes: 1 << 20 }),
  ]);
  const call = (url: string, overrides: Partial<CallContext> = {}) =>
    run(testCallContext(url, { principal: pag0.principal, ...overrides }));
  return { payer, principal: pag0.principal, call };
}

describe("paymentStage", () => {
  test("default: the option is reserved, signed, sent and settled: the price moves on chain, the row is settled", async () => {
    const h = await harness();
    const payTo = world.newAddress();
    const url = world.v2.route({ price: 30_000n, payTo, body: { paid: true } });

    const out = await h.call(url);

    if (out.kind !== "response") throw new Error(`expected a response, got ${JSON.stringify(out)}`);
    expect(JSON.parse(new TextDecoder().decode(out.response.body))).toEqual({ paid: true });
    expect(out.payment).toMatchObject({ amount: 30_000n, payTo, network: world.network });
    expect(await world.balanceOf(payTo)).toBe(30_000n);
    const row = await ledger.getSpend(out.spend?.id ?? "");
    expect(row).toMatchObject({ status: "settled", amount: 30_000n, txHash: out.payment?.txHash });
    expect((await world.publicClient.getTransactionReceipt({ hash: row?.txHash as `0x${string}` })).status).toBe(
      "success",
    );
    // the budget as this payment left it, read while it was in flight: the price counts, held or spent
    const budget = await out.budget;
    expect((budget?.reserved.today ?? 0n) + (budget?.spent.today ?? 0n)).toBe(30_000n);
  });

  test("behavior: a free answer comes back untouched; no payment is sent", async () => {
    const h = await harness();
    const url = world.v2.route({ free: true, body: { free: true } });

    const out = await h.call(url);

    expect(out).toMatchObject({ kind: "response", payment: null, spend: null, response: { status: 200 } });
    expect(world.v2.stats(url).paymentsReceived).toBe(0);
  });

  test("behavior: over the budget: refused before signing, nothing reaches the server or the chain", async () => {
    const h = await harness({ dailyLimit: 10_000n });
    const payTo = world.newAddress();
    const url = world.v2.route({ price: 20_000n, payTo });

    const out = await h.call(url);

    expect(out).toMatchObject({ kind: "denied", code: "BUDGET_EXCEEDED" });
    expect(world.v2.stats(url).paymentsReceived).toBe(0);
    expect(await world.balanceOf(payTo)).toBe(0n);
    const rows = await ledger.listSpend({ principal: h.principal, limit: 10 });
    expect(rows.items).toEqual([]);
  });

  test("behavior: a call whose host lists precheck could not read is refused before reserving: nothing is signed", async () => {
    const h = await harness();
    const payTo = world.newAddress();
    const url = world.v2.route({ price: 10_000n, payTo });
    const out = await h.call(url, { hostPolicyUnread: true });

    expect(out).toMatchObject({ kind: "denied", code: "LEDGER_UNAVAILABLE" });
    expect(world.v2.stats(url).paymentsReceived).toBe(0);
    expect(await world.balanceOf(payTo)).toBe(0n);
    expect((await ledger.listSpend({ principal: h.principal, limit: 10 })).items).toEqual([]);
  });

  test("behavior: the same idempotency key again replays the first payment and never pays twice", async () => {
    const h = await harness();
    const payTo = world.newAddress();
    const url = world.v2.route({ price: 15_000n, payTo });

    const first = await h.call(url, { idempotencyKey: "same-key" });
    const second = await h.call(url, { idempotencyKey: "same-key" });

    expect(first).toMatchObject({ kind: "response", payment: { amount: 15_000n } });
    expect(second).toMatchObject({ kind: "response", replayed: true });
    expect(second.kind === "response" && second.spend?.id).toBe(first.kind === "response" && first.spend?.id);
    expect(world.v2.stats(url).settled).toBe(1);
    expect(await world.balanceOf(payTo)).toBe(15_000n);
  });

  test("behavior: cancelled after the reservation, before signing: released, nothing signed", async () => {
    const h = await harness({ approvalThreshold: 1n });
    const payTo = world.newAddress();
    const url = world.v2.route({ price: 12_000n, payTo });
    const cancel = new AbortController();

    const out = await h.call(url, {
      signal: cancel.signal,
      // the human says yes, and the agent gives up in that very moment
      elicitApproval: async () => {
        cancel.abort();
        return "approved";
      },
    });

    expect(out).toMatchObject({ kind: "denied", code: "PAYMENT_FAILED" });
    expect(world.v2.stats(url).paymentsReceived).toBe(0);
    const rows = await ledger.listSpend({ principal: h.principal, limit: 10 });
    expect(rows.items.map((r) => r.status)).toEqual(["released"]);
  });

  test("behavior: settlement step: a server that settles and then says it refused leaves the row held as unknown", async () => {
    const h = await harness();
    const payTo = world.newAddress();
    const url = world.v2.route({ price: 11_000n, payTo, misbehave: "refuse-after-settle" });

    const out = await h.call(url);

    expect(out).toMatchObject({
      kind: "denied",
      code: "PAYMENT_OUTCOME_UNKNOWN",
      details: { validUntil: expect.any(String) },
    });
    expect(await world.balanceOf(payTo)).toBe(11_000n);
    const row = await ledger.getSpend(out.kind === "denied" ? String(out.details.receiptId) : "");
    expect(row?.status).toBe("unknown");
    expect((await ledger.budgetStatus(h.principal))?.reserved.today).toBe(11_000n);
  });

  test("behavior: settlement step: a server that hangs up after taking the payment leaves it unknown, not released", async () => {
    const h = await harness();
    const url = world.v2.route({ price: 9_000n, misbehave: "drop-before-settle" });

    const out = await h.call(url);

    expect(out).toMatchObject({ kind: "denied", code: "PAYMENT_OUTCOME_UNKNOWN" });
    const rows = await ledger.listSpend({ principal: h.principal, limit: 5 });
    expect(rows.items.map((r) => r.status)).toEqual(["unknown"]);
  });

  test("behavior: every v2 payment carries the payment-identifier of its principal and idempotency key", async () => {
    const h = await harness();
    const url = world.v2.route({ price: 3_000n, paymentIdentifier: true });

    const out = await h.call(url, { idempotencyKey: "the-key" });

    expect(out).toMatchObject({ kind: "response", payment: { amount: 3_000n } });
    const [header] = world.v2.stats(url).paymentHeaders;
    const sent = extractPaymentIdentifier(decodePaymentSignatureHeader(header ?? ""));
    expect(sent).toBe(paymentIdOf(h.principal, "the-key"));
  });
});
