import { afterAll, describe, expect, test } from "vitest";
import type { BudgetLimits, Ledger } from "../../src/ledger/ledger.js";
import { startAlertReceiver, WEBHOOK_TOKEN } from "../support/alertReceiver.js";
import { startTestPag0, type TestPag0 } from "../support/testPag0.js";
import { withWorld } from "../support/withWorld.js";
import type { World } from "../world/world.js";

// Alerts from real paid calls on the local x402 world, posted to a local receiver in place of the webhook.
const started: TestPag0[] = [];
let world: World;
let ledger: Ledger;
withWorld((w, l) => {
  [world, ledger] = [w, l];
}, started);
const receivers: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const r of receivers) await r.stop();
});

const PRICE = 10_000n;

async function pag0Alerting(limits: Partial<BudgetLimits>, options: { hang?: boolean } = {}) {
  const receiver = await startAlertReceiver(options);
  receivers.push(receiver);
  const payer = await world.newPayer();
  const pag0 = await startTestPag0({
    world,
    ledger,
    payerKey: payer.key,
    limits: { perRequest: PRICE, daily: 100n * PRICE, monthly: 1_000n * PRICE, ...limits },
    env: { ALERT_WEBHOOK_URL: receiver.webhookUrl, PAG0_CACHE: "false" },
  });
  started.push(pag0);
  return { pag0, payer, receiver };
}

describe("alerts from paid_fetch", () => {
  test("behavior: one alert when a principal crosses 80% of its daily budget, none for the calls after it", async () => {
    const { pag0, receiver } = await pag0Alerting({ daily: 10n * PRICE });
    const url = world.v2.route({ price: PRICE });
    const counts: number[] = [];
    for (let i = 1; i <= 10; i++) {
      const res = await pag0.call("paid_fetch", { url });
      expect(res.isError, JSON.stringify(res.structuredContent)).toBeFalsy();
      await pag0.deps.alerter.flush(); // the call queued its alerts before it answered
      counts.push(receiver.ofKind("budget_threshold").length);
    }
    expect(counts).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, 1]); // 8 of 10 is the first at 80%
    expect(receiver.alerts()).toHaveLength(1);
    expect(receiver.alerts()[0]?.pag0).toMatchObject({
      kind: "budget_threshold",
      principal: pag0.principal,
      window: "daily",
      used: "0.08",
      limit: "0.10",
    });
  });

  test("behavior: a monthly budget at 80% alerts for the monthly window", async () => {
    const { pag0, receiver } = await pag0Alerting({ perRequest: 4n * PRICE, daily: 5n * PRICE, monthly: 5n * PRICE });
    const url = world.v2.route({ price: 4n * PRICE });
    expect((await pag0.call("paid_fetch", { url })).isError).toBeFalsy();
    await pag0.deps.alerter.flush();
    expect(receiver.alerts().map((a) => a.pag0.window)).toEqual(["daily", "monthly"]);
  });

  test("behavior: one alert for a payment whose outcome is unknown, with nothing secret in it", async () => {
    const { pag0, payer, receiver } = await pag0Alerting({});
    const url = `${world.v2.route({ price: PRICE, misbehave: "drop-after-settle" })}?api_key=upstream-secret`;
    const res = await pag0.call("paid_fetch", { url });
    expect(res.structuredContent.error.code).toBe("PAYMENT_OUTCOME_UNKNOWN");
    await pag0.deps.alerter.flush();

    const unknown = receiver.ofKind("payment_unknown");
    expect(unknown).toHaveLength(1);
    expect(unknown[0]?.pag0).toMatchObject({
      principal: pag0.principal,
      receiptId: res.structuredContent.error.details.receiptId,
      url: expect.stringContaining("api_key=REDACTED"),
    });
    const posted = receiver.requests.map((r) => r.body).join("\n");
    expect(posted).not.toContain("upstream-secret");
    expect(posted).not.toContain(payer.key.slice(2));
    expect(pag0.logs.join("\n")).not.toContain(WEBHOOK_TOKEN);
  });

  test("behavior: a webhook that hangs delays no tool call", async () => {
    const { pag0, receiver } = await pag0Alerting({}, { hang: true });
    const dropped = await pag0.call("paid_fetch", { url: world.v2.route({ misbehave: "drop-after-settle" }) });
    expect(dropped.structuredContent.error.code).toBe("PAYMENT_OUTCOME_UNKNOWN");
    await receiver.waitFor((a) => a.pag0 !== undefined); // its alert is now stuck in a post that never ends

    const paid = await pag0.call("paid_fetch", { url: world.v2.route({ price: PRICE }) });
    const second = await pag0.call("paid_fetch", { url: world.v2.route({ misbehave: "drop-after-settle" }) });

    expect(paid.isError, JSON.stringify(paid.structuredContent)).toBeFalsy();
    expect(second.structuredContent.error.code).toBe("PAYMENT_OUTCOME_UNKNOWN");
    const flushed = pag0.deps.alerter.flush().then(() => "flushed");
    expect(await Promise.race([flushed, new Promise((r) => setImmediate(r, "still hanging"))])).toBe("still hanging");
    expect(receiver.requests).toHaveLength(1); // the second alert waits behind the first, off the call path
  });
});
