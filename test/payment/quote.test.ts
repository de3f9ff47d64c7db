import { encodePaymentRequiredHeader } from "@x402/core/http";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../src/config/loadConfig.js";
import { readPaymentRequired, toCaip2, toQuotes } from "../../src/payment/quote.js";

const requirement = {
  scheme: "exact",
  network: "eip155:84532",
  asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  amount: "10000",
  payTo: "0x1111111111111111111111111111111111111111",
  maxTimeoutSeconds: 60,
  extra: { name: "USDC", version: "2" },
};
const { networks } = loadConfig({});
const headers = (h: Record<string, string>) => (name: string) => h[name] ?? null;

describe("readPaymentRequired", () => {
  test("default: reads a v2 PAYMENT-REQUIRED header", () => {
    const header = encodePaymentRequiredHeader({
      x402Version: 2,
      resource: { url: "http://x/" },
      accepts: [requirement],
    } as never);
    const pr = readPaymentRequired(headers({ "PAYMENT-REQUIRED": header }), "{}");
    expect(toQuotes(pr, networks)).toEqual([
      expect.objectContaining({
        network: "eip155:84532",
        amount: 10_000n,
        x402Version: 2,
        transferMethod: "eip3009",
        domain: { name: "USDC", version: "2" },
      }),
    ]);
  });

  test("behavior: reads a v1 body with maxAmountRequired and a network name", () => {
    const v1 = { ...requirement, network: "base-sepolia", maxAmountRequired: "25000", amount: undefined };
    const pr = readPaymentRequired(headers({}), JSON.stringify({ x402Version: 1, error: "pay", accepts: [v1] }));
    expect(toQuotes(pr, networks)).toEqual([
      expect.objectContaining({ network: "eip155:84532", amount: 25_000n, x402Version: 1 }),
    ]);
  });

  test.each([
    ["a header that is not base64 JSON", { "PAYMENT-REQUIRED": "%%%not-base64%%%" }, "{}"],
    ["no header and a non-x402 body", {}, '{"hello":"world"}'],
    ["no header and a non-JSON body", {}, "<html>"],
    [
      "accepts that is not a list",
      { "PAYMENT-REQUIRED": Buffer.from('{"x402Version":2,"accepts":7}').toString("base64") },
      "",
    ],
  ])("behavior: %s is QUOTE_INVALID", (_name, h, body) => {
    expect(() => readPaymentRequired(headers(h), body)).toThrow(expect.objectContaining({ code: "QUOTE_INVALID" }));
  });

  test("behavior: unreadable options are dropped, not guessed", () => {
    const pr = { x402Version: 2, resource: { url: "" }, accepts: [{ scheme: "exact" }, requirement] };
    expect(toQuotes(pr as never, networks)).toHaveLength(1);
  });
});

describe("toCaip2", () => {
  test("default: maps the v1 names of Pag0's networks and keeps CAIP-2 ids", () => {
    expect(toCaip2("base-sepolia", networks)).toBe("eip155:84532");
    expect(toCaip2("skale-base-sepolia", networks)).toBe("eip155:324705682");
    expect(toCaip2("eip155:84532", networks)).toBe("eip155:84532");
    expect(toCaip2("not-a-network", networks)).toBe("not-a-network");
  });

  test("behavior: a v1 name of a network that is not enabled stays a name, which policy refuses", () => {
    expect(toCaip2("base", networks)).toBe("base");
    const mainnet = loadConfig({ X402_NETWORKS: "eip155:8453" }).networks;
    expect(toCaip2("base", mainnet)).toBe("eip155:8453");
    expect(toCaip2("base-sepolia", mainnet)).toBe("base-sepolia");
  });
});
