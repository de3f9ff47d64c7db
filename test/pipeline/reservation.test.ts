import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.js";
import { reserveQuote } from "../../src/pipeline/reservation.js";
import type { Quote, QuoteRules } from "../../src/policy/quoteRules.js";
import { testCallContext } from "../support/callContext.js";
import { testQuote } from "../support/spendQuote.js";
import { openTestLedger } from "../support/testLedger.js";

// reserveQuote against a real PGlite ledger: policy on the exact option, approval, then the atomic reservation.

let ledger: Ledger;
let principals = 0;
beforeAll(async () => {
  ledger = await openTestLedger();
});
afterAll(() => ledger.close());

const QUOTE: Quote = {
  ...testQuote(),
  transferMethod: "eip3009",
  amount: 10_000n,
  domain: { name: "USDC", version: "2" },
};
const RULES: QuoteRules = {
  usdcByNetwork: new Map([[QUOTE.network, { address: QUOTE.asset, name: "USDC", version: "2" }]]),
  allowedPayees: [],
  blockedPayees: [],
  perRequest: 1_000_000n,
  maxPrice: undefined,
  maxTimeoutSeconds: 3_600,
};

async function harness(o: { daily?: bigint; threshold?: bigint } = {}) {
  const principal = `reserve-${process.pid}-${++principals}`;
  await ledger.upsertPrincipal(principal, {
    perRequest: 1_000_000n,
    daily: o.daily ?? 1_000_000n,
    monthly: 10_000_000n,
  });
  const deps = { ledger, approval: { ledger, threshold: o.threshold, ttlSeconds: 600 }, reservationTtlSeconds: 600 };
  const reserve = (
    ctx = testCallContext("https://api.example.com/data", { principal }),
    quote = QUOTE,
    rules = RULES,
  ) => reserveQuote(deps, ctx, quote, rules);
  return { principal, reserve };
}

describe("reserveQuote", () => {
  test("default: the quote's amount is held in the ledger for this call", async () => {
    const h = await harness();
    const r = await h.reserve();
    if (r.kind !== "reserved") throw new Error(`expected reserved, got ${JSON.stringify(r)}`);
    expect(r.spend).toMatchObject({ status: "reserved", amount: 10_000n, principal: h.principal });
    expect((await ledger.budgetStatus(h.principal))?.reserved.today).toBe(10_000n);
  });

  test("behavior: the same idempotency key again is a replay of the first reservation, not a second one", async () => {
    const h = await harness();
    const ctx = testCallContext("https://api.example.com/data", { principal: h.principal });
    const first = await h.reserve(ctx);
    const again = await h.reserve(ctx);
    expect(again).toMatchObject({ kind: "replay", spend: { id: first.kind === "reserved" ? first.spend.id : "-" } });
    expect((await ledger.budgetStatus(h.principal))?.reserved.today).toBe(10_000n);
  });

  test("behavior: past the daily budget the ledger refuses, and nothing is held", async () => {
    const h = await harness({ daily: 5_000n });
    expect(await h.reserve()).toMatchObject({ kind: "denied", code: "BUDGET_EXCEEDED", details: { window: "day" } });
    expect((await ledger.budgetStatus(h.principal))?.reserved.today).toBe(0n);
  });

  test("behavior: an option policy refuses never reaches the ledger", async () => {
    const h = await harness();
    const rules = { ...RULES, blockedPayees: [QUOTE.payTo.toLowerCase()] };
    const r = await h.reserve(undefined, QUOTE, rules);
    expect(r).toMatchObject({ kind: "denied", code: "PAYEE_NOT_ALLOWED" });
    expect((await ledger.listSpend({ principal: h.principal, limit: 5 })).items).toEqual([]);
  });

  test("behavior: above the approval threshold, a client that cannot ask gets APPROVAL_REQUIRED and nothing is held", async () => {
    const h = await harness({ threshold: 1_000n });
    const r = await h.reserve();
    expect(r).toMatchObject({ kind: "denied", code: "APPROVAL_REQUIRED", details: { approvalId: expect.any(String) } });
    expect((await ledger.budgetStatus(h.principal))?.reserved.today).toBe(0n);
  });
});
