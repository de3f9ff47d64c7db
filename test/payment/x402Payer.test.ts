import { decodePaymentSignatureHeader } from "@x402/core/http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Pag0Error } from "../../src/errors.js";
import { toQuotes } from "../../src/payment/quote.js";
import type { Quote } from "../../src/policy/quoteRules.js";
import { paymentRequiredOf, worldPayer } from "../support/worldPayer.js";
import { startWorld, type World } from "../world/world.js";

// The x402 payer alone, against real 402s of the world's v2 and v1 servers: what it signs is sent to the route
// unchanged, and the chain shows whether the signature was real.

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world?.stop());

/** A payer, the 402 of `url` and its options as quotes; `ask` records every option it is shown. */
async function setup(url: string) {
  const p = await worldPayer(world);
  const required = await paymentRequiredOf(url);
  const quotes = toQuotes(required, p.networks);
  const asked: Quote[] = [];
  const yes = {
    cap: 1_000_000n,
    paymentId: "pag0_test_payment_id",
    ask: async (q: Quote) => {
      asked.push(q);
      return "approved";
    },
    proceed: (answer: string) => answer === "approved",
  };
  return { ...p, required, quotes, asked, yes };
}

/** Signs the 402 of a fresh route with an `ask` that throws `error`; the signing must fail. */
async function signAskThrowing(error: unknown) {
  const s = await setup(world.v2.route({ price: 10_000n }));
  const out = await s.payer.sign(s.required, {
    allowed: s.quotes,
    cap: 1_000_000n,
    paymentId: "pag0_test_payment_id",
    ask: async () => {
      throw error;
    },
    proceed: () => true,
  });
  if (out.kind !== "failed") throw new Error(`expected failed, got ${out.kind}`);
  return { out, wallet: s.wallet };
}

const nowSeconds = () => BigInt(Math.floor(Date.now() / 1000));

describe("createX402Payer", () => {
  test("default: a v2 option is signed once, after asking, and the route settles it on chain", async () => {
    const payTo = world.newAddress();
    const url = world.v2.route({ price: 20_000n, payTo, maxTimeoutSeconds: 60 });
    const s = await setup(url);

    const out = await s.payer.sign(s.required, { ...s.yes, allowed: s.quotes });

    if (out.kind !== "signed") throw new Error(`expected signed, got ${JSON.stringify(out, replacer)}`);
    expect(out.answer).toBe("approved");
    expect(s.asked).toEqual([s.quotes[0]]);
    expect(out.payment.quote).toEqual(s.quotes[0]);
    expect(out.payment.quote).toMatchObject({ network: world.network, amount: 20_000n, payTo, x402Version: 2 });
    expect(Object.keys(out.payment.headers)).toEqual(["PAYMENT-SIGNATURE"]);
    expect(out.payment.authorization.payer).toBe(s.wallet.address);
    expect(out.payment.authorization.nonce).toMatch(/^0x[0-9a-f]{64}$/);
    expect(out.payment.authorization.validBefore).toBeGreaterThan(nowSeconds());
    expect(out.payment.authorization.validBefore).toBeLessThanOrEqual(nowSeconds() + 60n);
    expect(s.wallet.signatureCount).toBe(1);

    const before = await world.balanceOf(s.wallet.address);
    const res = await fetch(url, { headers: out.payment.headers });
    expect(res.status).toBe(200);
    expect(world.v2.stats(url).settled).toBe(1);
    expect(await world.balanceOf(payTo)).toBe(20_000n);
    expect(await world.balanceOf(s.wallet.address)).toBe(before - 20_000n);
  });

  test("behavior: a v1 option is signed into X-PAYMENT, for the payer, and the v1 route settles it", async () => {
    const payTo = world.newAddress();
    const url = world.v1.route({ price: 15_000n, payTo });
    const s = await setup(url);

    const out = await s.payer.sign(s.required, { ...s.yes, allowed: s.quotes });

    if (out.kind !== "signed") throw new Error(`expected signed, got ${JSON.stringify(out, replacer)}`);
    expect(s.asked).toEqual([s.quotes[0]]);
    // policy speaks CAIP-2 even for a v1 server that names its network
    expect(out.payment.quote).toMatchObject({ network: world.network, amount: 15_000n, payTo, x402Version: 1 });
    expect(Object.keys(out.payment.headers)).toEqual(["X-PAYMENT"]);
    expect(out.payment.authorization.payer).toBe(s.wallet.address);
    expect(out.payment.authorization.validBefore).toBeGreaterThan(nowSeconds());

    const res = await fetch(url, { headers: out.payment.headers });
    expect(res.status).toBe(200);
    expect(world.v1.stats(url).settled).toBe(1);
    expect(await world.balanceOf(payTo)).toBe(15_000n);
  });

  test("behavior: proceed says no: declined with the asked option and the answer, nothing signed", async () => {
    const url = world.v2.route({ price: 12_000n });
    const s = await setup(url);

    const out = await s.payer.sign(s.required, {
      allowed: s.quotes,
      cap: 1_000_000n,
      paymentId: "pag0_test_payment_id",
      ask: async (q) => {
        s.asked.push(q);
        return { approval: "denied", by: "human" };
      },
      proceed: (answer) => answer.approval === "approved",
    });

    expect(out).toEqual({ kind: "declined", quote: s.quotes[0], answer: { approval: "denied", by: "human" } });
    expect(s.asked).toEqual([s.quotes[0]]);
    expect(s.wallet.signatureCount).toBe(0);
  });

  test("behavior: only allowed options are offered to ask; with none allowed it fails QUOTE_INVALID unasked", async () => {
    const other = world.newAddress();
    const url = world.v2.route({ price: 11_000n, accepts: [{}, { payTo: other }] });
    const s = await setup(url);
    expect(s.quotes).toHaveLength(2);
    const [first, second] = s.quotes as [Quote, Quote];

    // the official client would take the first option; policy allows only the second
    const out = await s.payer.sign(s.required, { ...s.yes, allowed: [second] });

    if (out.kind !== "signed") throw new Error(`expected signed, got ${JSON.stringify(out, replacer)}`);
    expect(s.asked).toEqual([second]);
    expect(out.payment.quote).toEqual(second);
    const signed = decodePaymentSignatureHeader(out.payment.headers["PAYMENT-SIGNATURE"] ?? "");
    expect((signed.payload as { authorization: { to: string } }).authorization.to).toBe(other);

    s.asked.length = 0;
    const notAllowed = { ...first, amount: first.amount - 1n }; // what policy saw is not what the server asks
    const none = await s.payer.sign(s.required, { ...s.yes, allowed: [notAllowed] });

    expect(none).toMatchObject({ kind: "failed", error: { code: "QUOTE_INVALID" } });
    expect(s.asked).toEqual([]);
    expect(s.wallet.signatureCount).toBe(1);
  });

  test("behavior: a cap one unit below the price fails before ask and before any signature; at the price it signs", async () => {
    const url = world.v2.route({ price: 30_000n });
    const s = await setup(url);

    const out = await s.payer.sign(s.required, { ...s.yes, allowed: s.quotes, cap: 29_999n });

    // the official client's spend controls drop the option, so no option is left to pay
    expect(out).toMatchObject({ kind: "failed", error: { code: "QUOTE_INVALID" } });
    expect(out.kind === "failed" && out.answer).toBeUndefined();
    expect(String((out as { error: { cause?: unknown } }).error.cause)).toMatch(/maxAmountPerPayment/);
    expect(s.asked).toEqual([]);
    expect(s.wallet.signatureCount).toBe(0);

    const atCap = await s.payer.sign(s.required, { ...s.yes, allowed: s.quotes, cap: 30_000n });
    expect(atCap.kind).toBe("signed");
    expect(s.asked).toEqual([s.quotes[0]]);
  });

  test("behavior: ask throws a Pag0Error (the ledger is down): failed with that very error, nothing signed", async () => {
    const down = new Pag0Error("LEDGER_UNAVAILABLE", "The ledger cannot be reached: nothing was paid.");

    const { out, wallet } = await signAskThrowing(down);

    expect(out.error).toBe(down);
    expect(out.answer).toBeUndefined();
    expect(wallet.signatureCount).toBe(0);
  });

  test("behavior: ask throws anything else: failed with that very error (an internal error, not a quote problem), nothing signed", async () => {
    const boom = new Error("the approval channel closed");

    const { out, wallet } = await signAskThrowing(boom);

    expect(out.answer).toBeUndefined();
    expect(out.error).toBe(boom);
    expect(wallet.signatureCount).toBe(0);
  });
});

function replacer(_key: string, value: unknown) {
  return typeof value === "bigint" ? value.toString() : value;
}
