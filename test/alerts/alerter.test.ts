import { afterEach, describe, expect, test } from "vitest";
import type { AlertEvent } from "../../src/alerts/alertEvent.js";
import { type WebhookAlerterDeps, webhookAlerter } from "../../src/alerts/alerter.js";
import { createMetrics } from "../../src/metrics.js";
import { startAlertReceiver, WEBHOOK_TOKEN } from "../support/alertReceiver.js";
import { closedPort } from "../support/closedPort.js";
import { logSink } from "../support/logSink.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const down = (outage: number): AlertEvent => ({ kind: "ledger_down", ledger: "postgres", outage });

async function alerterTo(url: string, overrides: Partial<WebhookAlerterDeps> = {}) {
  const metrics = createMetrics();
  const { log, lines } = logSink();
  const alerter = webhookAlerter({ url, log, metrics: metrics.alerts, ...overrides });
  stops.push(() => alerter.close());
  const counted = async (result: string) =>
    (await metrics.registry.getSingleMetric("pag0_alerts_total")?.get())?.values
      .filter((v) => v.labels.result === result)
      .reduce((n, v) => n + v.value, 0) ?? 0;
  return { alerter, lines, counted };
}

async function receiver(options: { hang?: boolean } = {}) {
  const r = await startAlertReceiver(options);
  stops.push(r.stop);
  return r;
}

describe("webhookAlerter", () => {
  test("default: one JSON post that Discord (content) and Slack (text) both read, with the event for machines", async () => {
    const r = await receiver();
    const { alerter, counted } = await alerterTo(r.webhookUrl);
    const resetsAt = new Date("2030-01-02T00:00:00.000Z");
    alerter.notify({
      kind: "budget_threshold",
      principal: "alice",
      window: "daily",
      used: 800_000n,
      limit: 1_000_000n,
      resetsAt,
    });
    await alerter.flush();

    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]).toMatchObject({ method: "POST", path: `/webhooks/1/${WEBHOOK_TOKEN}` });
    expect(r.requests[0]?.headers["content-type"]).toBe("application/json");
    const [alert] = r.alerts();
    expect(alert?.content).toBe(alert?.text);
    expect(alert?.content).toContain('"alice" has used 0.80 of its 1.00 USDC daily budget (80%)');
    expect(alert).toMatchObject({
      allowed_mentions: { parse: [] },
      pag0: {
        kind: "budget_threshold",
        principal: "alice",
        used: "0.80",
        limit: "1.00",
        resetsAt: resetsAt.toISOString(),
      },
    });
    expect(await counted("sent")).toBe(1);
  });

  test("behavior: the same alert twice is posted once", async () => {
    const r = await receiver();
    const { alerter, counted } = await alerterTo(r.webhookUrl);
    alerter.notify(down(1));
    alerter.notify(down(1));
    alerter.notify({ kind: "ledger_up", ledger: "postgres", outage: 1, downSeconds: 3 });
    await alerter.flush();
    expect(r.alerts().map((a) => a.pag0.kind)).toEqual(["ledger_down", "ledger_up"]);
    expect(await counted("deduplicated")).toBe(1);
  });

  test("behavior: past perMinute alerts are dropped and counted, and taken again a minute later", async () => {
    const r = await receiver();
    let clock = 0;
    const { alerter, counted, lines } = await alerterTo(r.webhookUrl, { perMinute: 2, now: () => clock });
    for (const outage of [1, 2, 3, 4]) alerter.notify(down(outage));
    await alerter.flush();
    expect(r.alerts().map((a) => a.pag0.outage)).toEqual([1, 2]);
    expect(await counted("rate_limited")).toBe(2);
    expect(lines.filter((l) => l.includes("alert dropped"))).toHaveLength(1); // one warning, not one per drop

    clock = 60_000;
    alerter.notify(down(3)); // dropped before, so not a duplicate
    await alerter.flush();
    expect(r.alerts().map((a) => a.pag0.outage)).toEqual([1, 2, 3]);
  });

  test("behavior: a webhook that never answers holds up no notify; close abandons the post", async () => {
    const r = await receiver({ hang: true });
    const { alerter } = await alerterTo(r.webhookUrl, { timeoutMs: 60_000, closeGraceMs: 50 });
    alerter.notify(down(1));
    await r.waitFor((a) => a.pag0 !== undefined);
    alerter.notify(down(2)); // returns at once, queued behind the hanging post
    const flushed = alerter.flush().then(() => "flushed");
    expect(await Promise.race([flushed, new Promise((resolve) => setImmediate(resolve, "pending"))])).toBe("pending");

    await alerter.close();
    expect(r.requests).toHaveLength(1); // the queued alert was abandoned, not posted after close
    alerter.notify(down(3));
    await alerter.flush();
    expect(r.requests).toHaveLength(1);
  });

  test("behavior: an unreachable webhook is logged without its URL, and notify never throws", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/webhooks/1/${WEBHOOK_TOKEN}`;
    const { alerter, counted, lines } = await alerterTo(url);
    alerter.notify(down(1));
    await alerter.flush();
    expect(await counted("failed")).toBe(1);
    expect(lines.some((l) => l.includes("an alert could not be posted"))).toBe(true);
    expect(lines.join("\n")).not.toContain(WEBHOOK_TOKEN);
  });
});
