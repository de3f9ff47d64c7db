import { beforeAll, describe, expect, test } from "vitest";
import type { App } from "../../src/app.js";
import { deny } from "../../src/denial.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import type { Delivered, StageOutcome } from "../../src/pipeline/context.js";
import { fetchStage } from "../../src/pipeline/fetchStage.js";
import { type QuoteStageDeps, quoteStage } from "../../src/pipeline/quoteStage.js";
import { testCallContext } from "../support/callContext.js";
import { startTestPag0, type TestPag0 } from "../support/testPag0.js";
import { withWorld } from "../support/withWorld.js";
import type { World } from "../world/world.js";
import { testQuoteRules } from "./stageParts.js";

// The quote stage over real 402s from the local world's paid servers (fetched by the real fetch stage).

let world: World;
let ledger: Ledger;
let app: App;
const started: TestPag0[] = [];
withWorld((w, l) => {
  world = w;
  ledger = l;
}, started);
beforeAll(async () => {
  const pag0 = await startTestPag0({ world, ledger });
  started.push(pag0);
  app = pag0.deps;
});

function harness(o: Partial<QuoteStageDeps> = {}) {
  const denials: unknown[] = [];
  const stage = quoteStage({
    networks: app.config.networks,
    ledger: { recordDenial: async (d) => ({ receiptId: `d${denials.push(d)}` }) },
    canPay: true,
    rules: testQuoteRules(app),
    ...o,
  });
  const fetch = fetchStage({ fetch: app.fetch, maxResponseBytes: 1 << 20 });
  const run = (url: string, answer?: StageOutcome) => {
    const ctx = testCallContext(url);
    return stage(ctx, async () => answer ?? fetch(ctx, () => Promise.reject(new Error("fetch is terminal"))));
  };
  return { run, denials };
}

describe("quoteStage", () => {
  test("default: a 402 becomes the options policy allows, with the call's rules", async () => {
    const h = harness();
    const payTo = world.newAddress();

    const out = await h.run(world.v2.route({ price: 40_000n, payTo }));

    if (out.kind !== "quoted") throw new Error(`expected a quote, got ${JSON.stringify(out)}`);
    expect(out.allowed).toMatchObject([{ amount: 40_000n, payTo, network: world.network, x402Version: 2 }]);
    expect(out.paymentRequired.x402Version).toBe(2);
    expect(out.rules.perRequest).toBe(1_000_000n);
  });

  test("behavior: a v1 402 (quote in the body) is read too", async () => {
    const h = harness();
    const out = await h.run(world.v1.route({ price: 5_000n }));
    expect(out).toMatchObject({ kind: "quoted", allowed: [{ amount: 5_000n, x402Version: 1 }] });
  });

  test("behavior: any other answer passes through as it is", async () => {
    const h = harness();
    const free: Delivered = {
      kind: "response",
      response: { status: 200, headers: {}, body: new Uint8Array(), truncated: false },
      payment: null,
      spend: null,
    };
    const refusal = deny("HOST_BLOCKED", "no");
    expect(await h.run("http://127.0.0.1:1/", free)).toBe(free);
    expect(await h.run("http://127.0.0.1:1/", refusal)).toBe(refusal);
  });

  test("behavior: a price above the per-request limit is refused with its receipt", async () => {
    const h = harness({ rules: testQuoteRules(app, { perRequest: 1_000n }) });
    const out = await h.run(world.v2.route({ price: 2_000n }));
    expect(out).toMatchObject({ kind: "denied", code: "PRICE_ABOVE_LIMIT", details: { receiptId: "d1" } });
    expect(h.denials).toMatchObject([{ code: "PRICE_ABOVE_LIMIT", quote: { amount: 2_000n } }]);
  });

  test("behavior: no wallet, a malformed 402, a redirect to another origin and an audit backlog are refused", async () => {
    const noWallet = harness({ canPay: false });
    expect(await noWallet.run(world.v2.route())).toMatchObject({ code: "WALLET_NOT_CONFIGURED" });

    const h = harness();
    expect(await h.run(world.v2.route({ misbehave: "malformed-header" }))).toMatchObject({ code: "QUOTE_INVALID" });
    const elsewhere = world.v1.route({ price: 1_000n });
    expect(await h.run(world.v2.route({ free: true, redirectTo: elsewhere }))).toMatchObject({
      code: "URL_NOT_ALLOWED",
      message: expect.stringContaining(new URL(elsewhere).origin),
    });

    const backlogged = harness({ auditGate: async () => deny("AUDIT_BACKLOG", "anchoring lags") });
    expect(await backlogged.run(world.v2.route())).toMatchObject({ code: "AUDIT_BACKLOG" });
    expect(h.denials).toEqual([]);
  });
});
