import { describe, expect, test } from "vitest";
import { checkQuote, type Quote, type QuoteRules, screenQuotes } from "../../src/policy/quoteRules.js";

const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAYEE = "0x1111111111111111111111111111111111111111";

const quote = (overrides: Partial<Quote> = {}): Quote => ({
  scheme: "exact",
  transferMethod: "eip3009",
  network: "eip155:84532",
  asset: USDC,
  amount: 10_000n,
  payTo: PAYEE,
  maxTimeoutSeconds: 60,
  x402Version: 2,
  domain: { name: "USDC", version: "2" },
  ...overrides,
});

const rules = (overrides: Partial<QuoteRules> = {}): QuoteRules => ({
  usdcByNetwork: new Map([["eip155:84532", { address: USDC, name: "USDC", version: "2" }]]),
  allowedPayees: [],
  blockedPayees: [],
  perRequest: 100_000n,
  maxTimeoutSeconds: 300,
  ...overrides,
});

describe("checkQuote", () => {
  test("default: a USDC quote within every limit passes", () => {
    expect(checkQuote(quote(), rules())).toBeNull();
  });

  test("behavior: asset addresses compare case-insensitively (local chains report lowercase)", () => {
    expect(checkQuote(quote({ asset: USDC.toLowerCase() }), rules())).toBeNull();
  });

  test.each([
    ["a network not enabled", quote({ network: "eip155:8453" }), rules(), "NETWORK_NOT_ALLOWED"],
    ["an asset that is not the network's USDC", quote({ asset: PAYEE }), rules(), "ASSET_NOT_ALLOWED"],
    [
      "another EIP-712 domain name for USDC",
      quote({ domain: { name: "USD Coin", version: "2" } }),
      rules(),
      "QUOTE_INVALID",
    ],
    [
      "another EIP-712 domain version for USDC",
      quote({ domain: { name: "USDC", version: "1" } }),
      rules(),
      "QUOTE_INVALID",
    ],
    ["no EIP-712 domain", quote({ domain: null }), rules(), "QUOTE_INVALID"],
    ["a blocked payee", quote(), rules({ blockedPayees: [PAYEE.toLowerCase()] }), "PAYEE_NOT_ALLOWED"],
    ["the zero address as payee", quote({ payTo: `0x${"0".repeat(40)}` }), rules(), "PAYEE_NOT_ALLOWED"],
    ["a payTo that is not an address", quote({ payTo: "0x1234" }), rules(), "QUOTE_INVALID"],
    ["a payTo that is not hex", quote({ payTo: `0x${"g".repeat(40)}` }), rules(), "QUOTE_INVALID"],
    [
      "a payTo with a wrong EIP-55 checksum",
      quote({ payTo: "0x036cbD53842c5426634e7929541eC2318f3dCF7e" }),
      rules(),
      "QUOTE_INVALID",
    ],
    [
      "a payee off the allow list",
      quote(),
      rules({ allowedPayees: ["0x2222222222222222222222222222222222222222"] }),
      "PAYEE_NOT_ALLOWED",
    ],
    ["a payment window above the cap", quote({ maxTimeoutSeconds: 301 }), rules(), "QUOTE_INVALID"],
    ["a zero amount", quote({ amount: 0n }), rules(), "QUOTE_INVALID"],
    ["a price above the per-request limit", quote({ amount: 100_001n }), rules(), "PRICE_ABOVE_LIMIT"],
    [
      "a price above the caller's maxPrice",
      quote({ amount: 20_000n }),
      rules({ maxPrice: 10_000n }),
      "PRICE_ABOVE_LIMIT",
    ],
    ["a Permit2 transfer", quote({ transferMethod: "permit2" }), rules(), "QUOTE_INVALID"],
    ["another scheme", quote({ scheme: "upto" }), rules(), "QUOTE_INVALID"],
  ])("behavior: refuses %s", (_name, q, r, code) => {
    expect(checkQuote(q, r)?.code).toBe(code);
  });

  test("behavior: maxPrice above the policy limit does not raise it", () => {
    const d = checkQuote(quote({ amount: 150_000n }), rules({ maxPrice: 1_000_000n }));
    expect(d?.code).toBe("PRICE_ABOVE_LIMIT");
    expect(d?.details).toMatchObject({ limit: "0.10", limitSource: "policy" });
  });
});

describe("screenQuotes", () => {
  test("default: keeps only allowed options", () => {
    const ok = quote();
    const r = screenQuotes([quote({ network: "eip155:1" }), ok], rules());
    expect(r.allowed).toEqual([ok]);
    expect(r.denial).toBeNull();
  });

  test("behavior: with no allowed option, reports the denial of the option that came closest", () => {
    const r = screenQuotes([quote({ network: "eip155:1" }), quote({ amount: 5_000_000n })], rules());
    expect(r.allowed).toEqual([]);
    expect(r.denial?.code).toBe("PRICE_ABOVE_LIMIT");
  });

  test("behavior: no options at all is an invalid quote", () => {
    expect(screenQuotes([], rules()).denial?.code).toBe("QUOTE_INVALID");
  });
});
