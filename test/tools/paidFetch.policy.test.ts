import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.js";
import { createUpstreamFetch } from "../../src/upstream/upstreamFetch.js";
import { openTestLedger } from "../support/testLedger.js";
import { startTestPag0, type TestPag0 } from "../support/testPag0.js";
import { startWorld, type World } from "../world/world.js";

let world: World;
let ledger: Ledger;
let pag0: TestPag0;
let payer: { key: `0x${string}`; address: `0x${string}` };
const blockedPayee = "0x000000000000000000000000000000000000dEaD";

beforeAll(async () => {
  [world, ledger] = await Promise.all([startWorld(), openTestLedger()]);
  payer = await world.newPayer();
  pag0 = await startTestPag0({
    world,
    ledger,
    payerKey: payer.key,
    limits: { perRequest: 50_000n },
    env: { PAG0_MAX_PER_REQUEST: "0.05", PAG0_BLOCKED_PAYEES: blockedPayee },
  });
});
afterAll(async () => {
  await pag0?.close();
  await ledger?.close();
  await world?.stop();
});

describe("paid_fetch refuses quotes outside policy before signing", () => {
  const cases: [string, () => { url: string; args?: Record<string, unknown> }, string][] = [
    ["a price above the per-request limit", () => ({ url: world.v2.route({ price: 60_000n }) }), "PRICE_ABOVE_LIMIT"],
    [
      "a price above maxPrice",
      () => ({ url: world.v2.route({ price: 20_000n }), args: { maxPrice: "0.01" } }),
      "PRICE_ABOVE_LIMIT",
    ],
    [
      "a network not enabled",
      () => ({ url: world.v2.route({ accepts: [{ network: "eip155:8453" }] }) }),
      "NETWORK_NOT_ALLOWED",
    ],
    [
      "an asset that is not USDC",
      () => ({ url: world.v2.route({ accepts: [{ asset: world.newAddress() }] }) }),
      "ASSET_NOT_ALLOWED",
    ],
    [
      "USDC named with another EIP-712 domain (a signature that could never settle)",
      () => ({ url: world.v2.route({ accepts: [{ extra: { name: "USD Coin", version: "9" } }] }) }),
      "QUOTE_INVALID",
    ],
    ["a blocked payTo", () => ({ url: world.v2.route({ payTo: blockedPayee }) }), "PAYEE_NOT_ALLOWED"],
    [
      "a payTo of the zero address",
      () => ({ url: world.v2.route({ accepts: [{ payTo: `0x${"0".repeat(40)}` }] }) }),
      "PAYEE_NOT_ALLOWED",
    ],
    ["a malformed payTo", () => ({ url: world.v2.route({ accepts: [{ payTo: "0x1234" }] }) }), "QUOTE_INVALID"],
    ["maxTimeoutSeconds above the cap", () => ({ url: world.v2.route({ maxTimeoutSeconds: 301 }) }), "QUOTE_INVALID"],
    [
      "a malformed PAYMENT-REQUIRED header",
      () => ({ url: world.v2.route({ misbehave: "malformed-header" }) }),
      "QUOTE_INVALID",
    ],
    ["a 402 with no option at all", () => ({ url: world.v2.route({ misbehave: "no-accepts" }) }), "QUOTE_INVALID"],
    [
      "a 402 with no acceptable option",
      () => ({ url: world.v2.route({ accepts: [{ scheme: "upto" }] }) }),
      "QUOTE_INVALID",
    ],
  ];

  test.each(cases)("behavior: %s is refused with zero signatures", async (_name, make, code) => {
    const { url, args } = make();
    const signaturesBefore = pag0.deps.wallet?.signatureCount;
    const res = await pag0.call("paid_fetch", { url, ...args });
    expect(res.isError).toBe(true);
    expect(res.structuredContent.error.code).toBe(code);
    expect(pag0.deps.wallet?.signatureCount).toBe(signaturesBefore);
    expect(world.v2.stats(url).paymentsReceived).toBe(0);
    expect(await world.balanceOf(payer.address)).toBe(100_000_000n);
  });

  test("behavior: refusals leave the budget untouched", async () => {
    const b = (await pag0.call("get_budget", {})).structuredContent;
    expect(b.spent.today).toBe("0.00");
    expect(b.reserved).toBe("0.00");
  });
});

describe("paid_fetch URL safety", () => {
  let strict: TestPag0;
  beforeAll(async () => {
    strict = await startTestPag0({ world, ledger, payerKey: payer.key, env: { PAG0_ALLOW_PRIVATE_HOSTS: "false" } });
  });
  afterAll(() => strict.close());

  test.each([
    ["loopback", "http://127.0.0.1:8080/"],
    ["a private address", "http://10.1.2.3/"],
    ["link-local", "http://169.254.10.10/"],
    ["the metadata address", "http://169.254.169.254/latest/meta-data/"],
    ["IPv6 loopback", "http://[::1]/"],
    ["a name that resolves to 127.0.0.1", "http://localhost:8080/"],
  ])("behavior: %s is refused with URL_NOT_ALLOWED", async (_name, url) => {
    const res = await strict.call("paid_fetch", { url });
    expect(res.structuredContent.error.code).toBe("URL_NOT_ALLOWED");
  });

  test("behavior: the world's own 127.0.0.1 servers are refused unless private hosts are allowed", async () => {
    const url = world.v2.route({ free: true });
    expect((await strict.call("paid_fetch", { url })).structuredContent.error.code).toBe("URL_NOT_ALLOWED");
    expect(world.v2.stats(url).requests).toBe(0);
    expect((await pag0.call("paid_fetch", { url })).structuredContent.status).toBe(200);
  });

  test("behavior: a redirect to a private address is refused", async () => {
    // private hosts are refused, except the world's own 127.0.0.1, which stands in for a public API here;
    // the redirect target is checked again on its own connect
    const standIn = await startTestPag0({
      world,
      ledger,
      payerKey: payer.key,
      env: { PAG0_ALLOW_PRIVATE_HOSTS: "false" },
      fetch: createUpstreamFetch({
        allowPrivate: false,
        maxResponseBytes: 65536,
        allowAddress: (a) => a === "127.0.0.1",
      }),
    });
    try {
      const ok = world.v2.route({ free: true });
      expect((await standIn.call("paid_fetch", { url: ok })).structuredContent.status).toBe(200);
      const url = world.v2.route({ free: true, redirectTo: "http://169.254.169.254/latest/meta-data/" });
      const res = await standIn.call("paid_fetch", { url });
      expect(res.structuredContent.error.code).toBe("URL_NOT_ALLOWED");
      expect(world.v2.stats(url).requests).toBe(1);
    } finally {
      await standIn.close();
    }
  });

  test("behavior: non-http schemes are refused", async () => {
    expect((await strict.call("paid_fetch", { url: "file:///etc/passwd" })).structuredContent.error.code).toBe(
      "URL_NOT_ALLOWED",
    );
  });

  test.each(["http://example.com:1/", "https://example.com:25/", "http://example.com:6667/x"])(
    "behavior: a port fetch never connects to (%s) is URL_NOT_ALLOWED, not an upstream error",
    async (url) => {
      const error = (await pag0.call("paid_fetch", { url })).structuredContent.error;
      expect(error).toMatchObject({ code: "URL_NOT_ALLOWED", details: { port: Number(new URL(url).port) } });
    },
  );
});

describe("paid_fetch without a wallet", () => {
  test("behavior: free calls work and a 402 is refused with WALLET_NOT_CONFIGURED", async () => {
    const noWallet = await startTestPag0({ world, ledger });
    try {
      expect(
        (await noWallet.call("paid_fetch", { url: world.v2.route({ free: true }) })).structuredContent.status,
      ).toBe(200);
      const res = await noWallet.call("paid_fetch", { url: world.v2.route({ price: 10_000n }) });
      expect(res.structuredContent.error.code).toBe("WALLET_NOT_CONFIGURED");
    } finally {
      await noWallet.close();
    }
  });
});

describe("paid_fetch with a principal's own host lists", () => {
  test("behavior: a principal's allowed hosts refuse other hosts for that principal only; get_budget shows its lists", async () => {
    const a = await startTestPag0({ world, ledger, payerKey: payer.key });
    const b = await startTestPag0({ world, ledger, payerKey: payer.key });
    try {
      expect(
        await ledger.setPrincipalHosts(a.principal, { allowedHosts: ["localhost"], blockedHosts: ["bad.example.com"] }),
      ).toBe(true);
      const url = world.v2.route({ price: 10_000n });
      const refused = await a.call("paid_fetch", { url });
      expect(refused.structuredContent.error).toMatchObject({
        code: "HOST_NOT_ALLOWED",
        details: { host: "127.0.0.1", scope: "principal", allowedHosts: ["localhost"] },
      });
      expect((await a.call("paid_fetch", { url: "https://bad.example.com/" })).structuredContent.error).toMatchObject({
        code: "HOST_BLOCKED",
        details: { scope: "principal" },
      });
      const paid = await b.call("paid_fetch", { url });
      expect(paid.isError).toBeFalsy();
      expect(paid.structuredContent.payment.amountAtomic).toBe("10000");

      const policyOf = async (p: TestPag0) => (await p.call("get_budget")).structuredContent.policy;
      expect(await policyOf(a)).toMatchObject({
        allowedHosts: [],
        blockedHosts: [],
        principalHosts: { allowedHosts: ["localhost"], blockedHosts: ["bad.example.com"] },
      });
      expect((await a.call("get_budget")).content).toEqual([
        expect.objectContaining({
          text: expect.stringContaining("Your own allowed hosts (also required): localhost."),
        }),
      ]);
      expect((await policyOf(b)).principalHosts).toEqual({ allowedHosts: [], blockedHosts: [] });
      expect((await a.call("get_budget")).structuredContent.spent.today).toBe("0.00");
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
