import { randomUUID } from "node:crypto";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.js";
import { type HttpPag0, startHttpPag0 } from "../support/testHttpPag0.js";
import { openTestLedger } from "../support/testLedger.js";
import { startWorld, type World } from "../world/world.js";

let world: World;
let ledger: Ledger;
let stateful: HttpPag0;
let stateless: HttpPag0;

beforeAll(async () => {
  [world, ledger] = await Promise.all([startWorld(), openTestLedger()]);
  const env = { PAG0_APPROVAL_THRESHOLD: "0.05" };
  const payer = await world.newPayer();
  stateful = await startHttpPag0({ world, ledger, payerKey: payer.key, env });
  stateless = await startHttpPag0({ world, ledger, payerKey: payer.key, env: { ...env, PAG0_HTTP_SESSIONS: "false" } });
});
afterAll(async () => {
  await stateful?.close();
  await stateless?.close();
  await ledger?.close();
  await world?.stop();
});

const signatures = (p: HttpPag0) => p.deps.wallet?.signatureCount ?? 0;

/** A client whose human answers every approval form with `approve`. */
async function elicitingClient(server: HttpPag0, principal: string, approve: boolean | "cancel") {
  const client = await server.client(await server.key(principal, ["fetch"]), {
    capabilities: { elicitation: { form: {} } },
  });
  const asked: any[] = [];
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    asked.push(req.params);
    return approve === "cancel" ? { action: "cancel" } : { action: "accept", content: { approve } };
  });
  return { client, asked };
}

describe("approval above the threshold", () => {
  test("behavior: a client whose human accepts the form pays; the form shows exactly what is paid", async () => {
    const { client, asked } = await elicitingClient(stateful, "approver", true);
    const payTo = world.newAddress();
    const url = world.v2.route({ price: 80_000n, payTo });
    const res = (await client.callTool({ name: "paid_fetch", arguments: { url } })) as any;
    expect(res.isError).toBeFalsy();
    expect(await world.balanceOf(payTo)).toBe(80_000n);
    expect(asked).toHaveLength(1);
    expect(asked[0].message).toContain("0.08 USDC");
    expect(asked[0].message).toContain(payTo);
    expect(asked[0].message).toContain(url);
  });

  test("behavior: below the threshold nobody is asked", async () => {
    const { client, asked } = await elicitingClient(stateful, "small", false);
    const res = (await client.callTool({
      name: "paid_fetch",
      arguments: { url: world.v2.route({ price: 50_000n }) },
    })) as any;
    expect(res.isError).toBeFalsy();
    expect(asked).toHaveLength(0);
  });

  test("behavior: a human who declines: APPROVAL_DENIED and zero signatures", async () => {
    const { client } = await elicitingClient(stateful, "decliner", false);
    const before = signatures(stateful);
    const url = world.v2.route({ price: 80_000n });
    const res = (await client.callTool({ name: "paid_fetch", arguments: { url } })) as any;
    expect(res.structuredContent.error.code).toBe("APPROVAL_DENIED");
    expect(signatures(stateful)).toBe(before);
    expect(world.v2.stats(url).paymentsReceived).toBe(0);
  });

  test("behavior: no elicitation: APPROVAL_REQUIRED with zero signatures; after an operator approves, the same key pays once", async () => {
    const agent = await stateless.client(await stateless.key("headless", ["fetch"]));
    const operatorKey = await stateless.key("boss", ["operator"]);
    const payTo = world.newAddress();
    const url = world.v2.route({ price: 80_000n, payTo });
    const idempotencyKey = randomUUID();
    const before = signatures(stateless);

    const first = (await agent.callTool({ name: "paid_fetch", arguments: { url, idempotencyKey } })) as any;
    expect(first.structuredContent.error.code).toBe("APPROVAL_REQUIRED");
    expect(signatures(stateless)).toBe(before);
    const { approvalId } = first.structuredContent.error.details;

    // the agent's own key cannot approve; the operator's can
    const agentTry = await fetch(`${stateless.url}/approvals/${approvalId}/approve`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${(agent as any)._transport?._requestInit?.headers?.Authorization?.slice(7) ?? ""}`,
      },
    });
    expect(agentTry.status).not.toBe(200);
    const ok = await fetch(`${stateless.url}/approvals/${approvalId}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${operatorKey}` },
    });
    expect(ok.status).toBe(200);

    const second = (await agent.callTool({ name: "paid_fetch", arguments: { url, idempotencyKey } })) as any;
    expect(second.isError, JSON.stringify(second.structuredContent)).toBeFalsy();
    expect(second.structuredContent.cached).toBe(false);
    // past the paid-response cache, a retry with the same key replays the payment, it does not pay again
    const third = (await agent.callTool({
      name: "paid_fetch",
      arguments: { url, idempotencyKey, cache: "bypass" },
    })) as any;
    expect(third.structuredContent.payment?.txHash, JSON.stringify(third.structuredContent)).toBe(
      second.structuredContent.payment.txHash,
    );
    expect(await world.balanceOf(payTo)).toBe(80_000n);
    expect(signatures(stateless)).toBe(before + 1);

    // the approval was for that key and quote only: a new key is asked again
    const other = (await agent.callTool({
      name: "paid_fetch",
      arguments: { url, idempotencyKey: randomUUID(), cache: "bypass" },
    })) as any;
    expect(other.structuredContent.error.code).toBe("APPROVAL_REQUIRED");
  });
});

describe("progress and cancellation", () => {
  test("behavior: a progress-token call receives quote, payment and settlement in order", async () => {
    const client = await stateful.client(await stateful.key("watcher", ["fetch"]));
    const seen: { progress: number; message?: string }[] = [];
    const res = (await client.callTool(
      { name: "paid_fetch", arguments: { url: world.v2.route({ price: 10_000n }) } },
      undefined,
      {
        onprogress: (p) => seen.push(p),
      },
    )) as any;
    expect(res.isError).toBeFalsy();
    expect(seen.map((p) => p.progress)).toEqual([1, 3, 4]);
    expect(seen.map((p) => p.message)).toEqual([
      expect.stringMatching(/^Payment required/),
      expect.stringMatching(/^Signed/),
      expect.stringMatching(/^Settled/),
    ]);
  });

  test("behavior: cancelled while the human is asked (before signing): nothing is paid", async () => {
    const key = await stateful.key("canceller", ["fetch"]);
    const client = await stateful.client(key, { capabilities: { elicitation: { form: {} } } });
    const cancel = new AbortController();
    client.setRequestHandler(ElicitRequestSchema, async () => {
      cancel.abort();
      return new Promise(() => {}); // the human never answers; the call was cancelled
    });
    const before = signatures(stateful);
    const url = world.v2.route({ price: 80_000n });
    await expect(
      client.callTool({ name: "paid_fetch", arguments: { url } }, undefined, { signal: cancel.signal }),
    ).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 300));
    expect(signatures(stateful)).toBe(before);
    expect(world.v2.stats(url).paymentsReceived).toBe(0);
  });

  test("behavior: cancelled after signing: the payment still completes and list_spend shows its real outcome", async () => {
    const client = await stateful.client(await stateful.key("late-canceller", ["fetch"]));
    const cancel = new AbortController();
    const payTo = world.newAddress();
    const url = world.v2.route({ price: 10_000n, payTo, delayMs: 1_000 });
    const pending = client.callTool({ name: "paid_fetch", arguments: { url } }, undefined, { signal: cancel.signal });
    await expect.poll(() => world.v2.stats(url).paymentsReceived, { timeout: 10_000, interval: 10 }).toBe(1);
    cancel.abort();
    await expect(pending).rejects.toThrow();
    await expect.poll(() => world.balanceOf(payTo), { timeout: 10_000, interval: 50 }).toBe(10_000n);
    await expect
      .poll(
        async () =>
          ((await client.callTool({ name: "list_spend", arguments: {} })) as any).structuredContent.items[0]?.status,
        { timeout: 10_000, interval: 100 },
      )
      .toBe("settled");
  });
});
