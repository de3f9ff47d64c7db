import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { pag0StdioTransport } from "../support/pag0StdioTransport.js";
import { startWorld, type World } from "../world/world.js";

let world: World;
let client: Client;
let transport: StdioClientTransport;
let payer: { key: `0x${string}`; address: `0x${string}` };
const stderr: string[] = [];

beforeAll(async () => {
  world = await startWorld();
  payer = await world.newPayer();
  transport = pag0StdioTransport(world, { WALLET_PRIVATE_KEY: payer.key, LOG_LEVEL: "debug" });
  transport.stderr?.on("data", (d) => stderr.push(String(d)));
  client = new Client({ name: "stdio-test", version: "0" });
  await client.connect(transport);
});
afterAll(async () => {
  await client?.close();
  await world?.stop();
});

describe("pag0 stdio", () => {
  test("default: lists the three tools with their annotations", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["get_budget", "list_spend", "paid_fetch"]);
    const paid = tools.find((t) => t.name === "paid_fetch");
    expect(paid?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: true,
    });
    expect(tools.find((t) => t.name === "get_budget")?.annotations).toMatchObject({ readOnlyHint: true });
    for (const t of tools) {
      for (const [field, schema] of Object.entries(t.inputSchema.properties ?? {})) {
        expect((schema as { description?: string }).description, `${t.name}.${field}`).toBeTruthy();
      }
    }
    expect(client.getInstructions()).toMatch(/1\.00 per day/);
  });

  test("behavior: a paid call over stdio settles on chain and is listed with its tx", async () => {
    const payTo = world.newAddress();
    const url = world.v2.route({ price: 10_000n, payTo });
    const res = (await client.callTool({ name: "paid_fetch", arguments: { url } })) as any;
    expect(res.isError, JSON.stringify(res.structuredContent)).toBeFalsy();
    expect(res.structuredContent.payment.amount).toBe("0.01");
    expect(await world.balanceOf(payTo)).toBe(10_000n);
    const spend = (await client.callTool({ name: "list_spend", arguments: {} })) as { structuredContent: any };
    expect(spend.structuredContent.items[0]).toMatchObject({
      txHash: res.structuredContent.payment.txHash,
      status: "settled",
    });
  });

  test("behavior: bad input is INVALID_INPUT with a structured error", async () => {
    const res = (await client.callTool({ name: "paid_fetch", arguments: { url: 42 } })) as any;
    expect(res.isError).toBe(true);
    expect(res.structuredContent.error.code).toBe("INVALID_INPUT");
  });

  test("behavior: the wallet key never reaches stderr logs", async () => {
    expect(stderr.join("").length).toBeGreaterThan(0);
    expect(stderr.join("").toLowerCase()).not.toContain(payer.key.slice(2).toLowerCase());
  });
});
