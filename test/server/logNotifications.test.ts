import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, test } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.js";
import { startTestPag0, type TestPag0 } from "../support/testPag0.js";
import { withWorld } from "../support/withWorld.js";
import type { World } from "../world/world.js";

// MCP logging: a client that sets a level hears what a paid call does, as it happens; one that does not, nothing.
let world: World;
let ledger: Ledger;
const started: TestPag0[] = [];
withWorld((w, l) => {
  world = w;
  ledger = l;
}, started);

async function listening(level?: "info" | "warning") {
  const payer = await world.newPayer();
  const pag0 = await startTestPag0({ world, ledger, payerKey: payer.key, limits: { perRequest: 50_000n } });
  started.push(pag0);
  const messages: { level: string; data: unknown }[] = [];
  pag0.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    messages.push(n.params);
  });
  if (level) await pag0.client.setLoggingLevel(level);
  return { pag0, payer, messages };
}

describe("MCP log notifications", () => {
  test("behavior: at level info a paid call reports its quote, payment and settlement, with no secret", async () => {
    const { pag0, payer, messages } = await listening("info");
    const res = await pag0.call("paid_fetch", { url: world.v2.route({ price: 10_000n }) });
    expect(res.isError).toBeFalsy();
    expect(messages.map((m) => (m.data as { step?: string }).step)).toEqual(["quote", "payment", "settlement"]);
    expect(messages.every((m) => m.level === "info")).toBe(true);
    expect(JSON.stringify(messages)).toContain(res.structuredContent.payment.txHash);
    expect(JSON.stringify(messages).toLowerCase()).not.toContain(payer.key.slice(2).toLowerCase());

    const refused = await pag0.call("paid_fetch", { url: world.v2.route({ price: 60_000n }) });
    expect(refused.structuredContent.error.code).toBe("PRICE_ABOVE_LIMIT");
    expect(messages.at(-1)).toMatchObject({ level: "warning", data: { code: "PRICE_ABOVE_LIMIT" } });
  });

  test("behavior: at level warning only refusals are sent; without a level, nothing", async () => {
    const warned = await listening("warning");
    await warned.pag0.call("paid_fetch", { url: world.v2.route({ price: 10_000n }) });
    await warned.pag0.call("paid_fetch", { url: world.v2.route({ price: 60_000n }) });
    expect(warned.messages.map((m) => m.level)).toEqual(["warning"]);

    const quiet = await listening();
    await quiet.pag0.call("paid_fetch", { url: world.v2.route({ price: 10_000n }) });
    await quiet.pag0.call("paid_fetch", { url: world.v2.route({ price: 60_000n }) });
    expect(quiet.messages).toEqual([]);
  });
});
