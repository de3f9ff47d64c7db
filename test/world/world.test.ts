import { decodePaymentRequiredHeader } from "@x402/core/http";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { ExactEvmSchemeV1 } from "@x402/evm/exact/v1/client";
import { decodePaymentResponseHeader, type Network, wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { type AbiEvent, type AbiFunction, type Hex, toEventSignature, toFunctionSignature } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testUsdcAbi } from "./testUsdcAbi.js";
import { loadTestUsdcArtifact } from "./testUsdcArtifact.js";
import type { V2RouteOptions } from "./v2Server.js";
import { startWorld, type World } from "./world.js";

let world: World;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world?.stop();
});

/** A bare @x402/fetch client for a payer key that counts its signatures. */
function payingFetch(key: Hex) {
  const account = privateKeyToAccount(key);
  let signatures = 0;
  const signer = {
    address: account.address,
    signTypedData: (message: Parameters<typeof account.signTypedData>[0]) => {
      signatures++;
      return account.signTypedData(message);
    },
  };
  const client = new x402Client()
    .register(world.network, new ExactEvmScheme(signer))
    .registerV1(world.v1Network, new ExactEvmSchemeV1(signer))
    .setSpendControls({
      allowedAssets: [
        { network: world.network, asset: world.usdc },
        // Spend controls do match v1 names at run time; only the type is CAIP-2.
        { network: world.v1Network as Network, asset: world.usdc },
      ],
    });
  return { fetch: wrapFetchWithPayment(fetch, client), signatures: () => signatures };
}

async function expectMinedSettlement(transaction: string) {
  const receipt = await world.publicClient.getTransactionReceipt({ hash: transaction as Hex });
  expect(receipt.status).toBe("success");
  expect(receipt.from.toLowerCase()).toBe(world.facilitatorAddress.toLowerCase());
  expect(world.settlements.map((s) => s.transaction)).toContain(transaction);
}

describe("startWorld", () => {
  test("default", async () => {
    expect(world.chainId).toBe(84532);
    expect(await world.publicClient.getChainId()).toBe(84532);
    expect(world.networkConfig).toEqual({
      id: "eip155:84532",
      rpcUrl: world.rpcUrl,
      usdc: { address: world.usdc, name: "USDC", version: "2", decimals: 6 },
    });
    const read = (functionName: "name" | "version") =>
      world.publicClient.readContract({ address: world.usdc, abi: world.usdcAbi, functionName });
    expect([await read("name"), await read("version")]).toEqual(["USDC", "2"]);
    const supported = (await (await fetch(`${world.facilitatorUrl}/supported`)).json()) as {
      kinds: { x402Version: number; network: string }[];
    };
    expect(supported.kinds.map((k) => `${k.x402Version}:${k.network}`).sort()).toEqual([
      "1:base-sepolia",
      "2:eip155:84532",
    ]);
  });

  test("behavior: the typed ABI matches the compiled artifact", () => {
    const signatures = (abi: readonly { type: string }[]) =>
      abi
        .map((item) =>
          item.type === "function"
            ? toFunctionSignature(item as AbiFunction)
            : item.type === "event"
              ? toEventSignature(item as AbiEvent)
              : item.type,
        )
        .sort();
    expect(signatures(testUsdcAbi)).toEqual(signatures(loadTestUsdcArtifact().abi));
  });

  test("behavior: a v2 payment moves exactly the price and settles on chain", async () => {
    const payer = await world.newPayer();
    const payTo = world.newAddress();
    const url = world.v2.route({ price: 25_000n, payTo, body: { weather: "sunny" } });
    const client = payingFetch(payer.key);

    const res = await client.fetch(url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ weather: "sunny" });
    const settlement = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE") ?? "");
    expect(settlement).toMatchObject({ success: true, network: "eip155:84532", payer: payer.address });
    await expectMinedSettlement(settlement.transaction);
    expect(await world.balanceOf(payTo)).toBe(25_000n);
    expect(await world.balanceOf(payer.address)).toBe(100_000_000n - 25_000n);
    expect(client.signatures()).toBe(1);
    expect(world.v2.stats(url)).toMatchObject({ requests: 2, paymentsReceived: 1, handled: 1, settled: 1 });
  });

  test("behavior: a v1 payment moves exactly the price and settles on chain", async () => {
    const payer = await world.newPayer();
    const payTo = world.newAddress();
    const url = world.v1.route({ price: 30_000n, payTo });
    const unpaid = await fetch(url);
    expect(unpaid.status).toBe(402);
    expect(await unpaid.json()).toMatchObject({
      x402Version: 1,
      accepts: [{ scheme: "exact", network: "base-sepolia", maxAmountRequired: "30000", payTo, asset: world.usdc }],
    });

    const res = await payingFetch(payer.key).fetch(url);
    expect(res.status).toBe(200);
    const settlement = decodePaymentResponseHeader(res.headers.get("X-PAYMENT-RESPONSE") ?? "");
    expect(settlement).toMatchObject({ success: true, network: "base-sepolia", payer: payer.address });
    await expectMinedSettlement(settlement.transaction);
    expect(world.settlements.at(-1)).toMatchObject({ x402Version: 1, amount: "30000", payTo });
    expect(await world.balanceOf(payTo)).toBe(30_000n);
    expect(world.v1.stats(url)).toMatchObject({ paymentsReceived: 1, handled: 1, settled: 1 });
  });

  test("behavior: concurrent payments from many payers all settle", async () => {
    const payers = await Promise.all([1, 2, 3, 4, 5].map(() => world.newPayer()));
    const payTo = world.newAddress();
    const url = world.v2.route({ payTo });
    const statuses = await Promise.all(payers.map(async (p) => (await payingFetch(p.key).fetch(url)).status));
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(await world.balanceOf(payTo)).toBe(50_000n);
  });

  test("behavior: drop-after-settle settles on chain but the client sees a socket error", async () => {
    const payer = await world.newPayer();
    const payTo = world.newAddress();
    const url = world.v2.route({ payTo, misbehave: "drop-after-settle" });
    const settledBefore = world.settlements.length;

    await expect(payingFetch(payer.key).fetch(url)).rejects.toThrow(/fetch failed/);
    expect(await world.balanceOf(payTo)).toBe(10_000n);
    const settlement = world.settlements.at(-1);
    expect(world.settlements.length).toBe(settledBefore + 1);
    expect(settlement).toMatchObject({ success: true, payer: payer.address, payTo });
    await expectMinedSettlement(settlement?.transaction ?? "");
    expect(world.v2.stats(url)).toMatchObject({ paymentsReceived: 1, settled: 1 });
  });

  test("behavior: a slow paid route settles even after the client gave up", async () => {
    const payer = await world.newPayer();
    const payTo = world.newAddress();
    const url = world.v2.route({ payTo, delayMs: 1_000 });

    // give up as soon as the server holds the payment, not after a guessed time
    const giveUp = new AbortController();
    const pending = payingFetch(payer.key).fetch(url, { signal: giveUp.signal });
    await expect.poll(() => world.v2.stats(url).paymentsReceived, { timeout: 10_000, interval: 10 }).toBe(1);
    giveUp.abort();
    await expect(pending).rejects.toThrow();
    expect(await world.balanceOf(payTo)).toBe(0n);
    await expect.poll(() => world.balanceOf(payTo), { timeout: 5_000, interval: 50 }).toBe(10_000n);
    // the counter moves when the facilitator's settle call returns, a moment after the balance does
    await expect
      .poll(() => world.v2.stats(url), { timeout: 5_000, interval: 20 })
      .toMatchObject({ handled: 1, settled: 1 });
  });

  test("behavior: drop-before-settle takes the payment but never settles it", async () => {
    const payer = await world.newPayer();
    const url = world.v2.route({ misbehave: "drop-before-settle" });
    const settledBefore = world.settlements.length;

    await expect(payingFetch(payer.key).fetch(url)).rejects.toThrow(/fetch failed/);
    expect(world.v2.stats(url)).toMatchObject({ paymentsReceived: 1, handled: 0, settled: 0 });
    expect(world.settlements.length).toBe(settledBefore);
    expect(await world.balanceOf(payer.address)).toBe(100_000_000n);
  });

  test("behavior: malformed-header is a 402 the client cannot pay", async () => {
    const payer = await world.newPayer();
    const url = world.v2.route({ misbehave: "malformed-header" });
    const unpaid = await fetch(url);
    expect(unpaid.status).toBe(402);
    expect(() => decodePaymentRequiredHeader(unpaid.headers.get("PAYMENT-REQUIRED") ?? "")).toThrow();

    const client = payingFetch(payer.key);
    await expect(client.fetch(url)).rejects.toThrow();
    expect(client.signatures()).toBe(0);
    expect(world.v2.stats(url).paymentsReceived).toBe(0);
  });

  const refusedQuotes: [string, V2RouteOptions][] = [
    ["no accepts", { misbehave: "no-accepts" }],
    ["another network", { accepts: [{ network: "eip155:8453" }] }],
    // Not Circle's Base Sepolia USDC: that is a default asset for eip155:84532, which spendControls accept.
    ["another asset", { accepts: [{ asset: "0x000000000000000000000000000000000000dEaD" }] }],
  ];

  test.each(refusedQuotes)("behavior: a v2 quote with %s is advertised and left unpaid", async (_name, options) => {
    const payer = await world.newPayer();
    const url = world.v2.route(options);
    const unpaid = await fetch(url);
    expect(unpaid.status).toBe(402);
    const quote = decodePaymentRequiredHeader(unpaid.headers.get("PAYMENT-REQUIRED") ?? "");
    expect(quote.accepts).toEqual(options.accepts?.map((override) => expect.objectContaining(override)) ?? []);

    const client = payingFetch(payer.key);
    await expect(client.fetch(url)).rejects.toThrow();
    expect(client.signatures()).toBe(0);
  });

  test("behavior: accepts overrides are advertised as given, on v2 and v1", async () => {
    const payTo = world.newAddress();
    const v2 = await fetch(world.v2.route({ accepts: [{ payTo, maxTimeoutSeconds: 31_536_000 }] }));
    expect(decodePaymentRequiredHeader(v2.headers.get("PAYMENT-REQUIRED") ?? "").accepts).toEqual([
      expect.objectContaining({ payTo, maxTimeoutSeconds: 31_536_000, network: world.network, asset: world.usdc }),
    ]);
    const v1 = await fetch(world.v1.route({ accepts: [{ network: "base" }, {}] }));
    expect(((await v1.json()) as { accepts: unknown[] }).accepts).toEqual([
      expect.objectContaining({ network: "base", asset: world.usdc }),
      expect.objectContaining({ network: "base-sepolia", asset: world.usdc }),
    ]);
  });

  test("behavior: a payer without funds is refused with the real reason", async () => {
    const payer = await world.newPayer(0n);
    const url = world.v2.route();
    const res = await payingFetch(payer.key).fetch(url);
    expect(res.status).toBe(402);
    const quote = decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED") ?? "");
    // Multicall3 at its canonical address turns `simulation_failed` into the real diagnosis.
    expect(quote.error).toMatch(/insufficient_balance/);
    expect(world.v2.stats(url)).toMatchObject({ paymentsReceived: 1, handled: 0, settled: 0 });
  });

  test("behavior: free, redirect, slow and streaming routes", async () => {
    const free = await fetch(world.v2.route({ free: true, body: "plain", headers: { "x-test": "1" } }));
    expect([free.status, await free.text(), free.headers.get("x-test")]).toEqual([200, "plain", "1"]);

    const target = world.v2.route({ free: true });
    const redirect = await fetch(world.v2.route({ free: true, redirectTo: target }), { redirect: "manual" });
    expect([redirect.status, redirect.headers.get("location")]).toEqual([302, target]);

    const started = performance.now();
    expect((await fetch(world.v2.route({ free: true, delayMs: 200 }))).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);

    const small = await fetch(world.v2.route({ free: true, streamBytes: 200_000 }));
    expect(small.headers.get("content-length")).toBeNull();
    expect((await small.arrayBuffer()).byteLength).toBe(200_000);

    const hugeUrl = world.v2.route({ free: true, streamBytes: 200_000_000 });
    const huge = await fetch(hugeUrl);
    const reader = huge.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Backpressure: the server stopped after socket buffers filled, far short of 200 MB.
    expect(world.v2.stats(hugeUrl).bytesSent).toBeLessThan(50_000_000);
  });
});
