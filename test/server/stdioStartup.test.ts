import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

// `pag0 stdio` answers `initialize` before it loads what only payments, upstream calls and the background jobs
// need, and before it opens the ledger; the client's `initialized` notification starts them. Shown by the modules
// the process resolved by the time each answer arrived (not by timing: the bench measures how fast).
const HEAVY = /\/node_modules\/(viem|@x402\/evm|undici|ioredis|@upstash\/redis|@electric-sql\/pglite)\//;
const PGLITE = /\/node_modules\/@electric-sql\/pglite\//;

let child: ChildProcessWithoutNullStreams;
let moduleLog: string;
const answers = new Map<number, (message: Record<string, unknown>) => void>();

function request(id: number, method: string, params: unknown = {}): Promise<Record<string, unknown>> {
  const answered = new Promise<Record<string, unknown>>((resolve) => answers.set(id, resolve));
  child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
  return answered;
}
const loaded = () => readFileSync(moduleLog, "utf8").split("\n").filter(Boolean);

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "pag0-startup-"));
  moduleLog = join(dir, "modules.log");
  child = spawn(
    process.execPath,
    ["--import", "tsx", "--import", "./test/support/moduleLog.mjs", "src/cli.ts", "stdio"],
    {
      env: {
        PATH: process.env.PATH ?? "",
        PAG0_DATA_DIR: join(dir, "data"),
        PAG0_TEST_MODULE_LOG: moduleLog,
        // a wallet, so a payer exists (and is not loaded before the first payment)
        WALLET_PRIVATE_KEY: `0x${"11".repeat(32)}`,
        LOG_LEVEL: "warn",
      },
    },
  );
  createInterface({ input: child.stdout }).on("line", (line) => {
    const message = JSON.parse(line) as Record<string, unknown>;
    answers.get(message.id as number)?.(message);
  });
});
afterAll(() => {
  child?.stdin.end();
});

describe("pag0 stdio startup", () => {
  test("behavior: initialize is answered with no x402 client, chain client, undici or ledger loaded", async () => {
    const init = await request(1, "initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "startup-test", version: "0" },
    });
    expect(init.result).toMatchObject({ serverInfo: { name: "pag0" } });
    // the instructions name the wallet: its address is known without viem's signing account
    expect(JSON.stringify(init.result)).toContain("0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A");
    const atInitialize = loaded();
    expect(atInitialize.some((url) => url.includes("/@modelcontextprotocol/sdk/"))).toBe(true);
    expect(atInitialize.filter((url) => HEAVY.test(url))).toEqual([]);

    const tools = await request(2, "tools/list");
    expect((tools.result as { tools: unknown[] }).tools).toHaveLength(3);
    expect(loaded().filter((url) => HEAVY.test(url))).toEqual([]);
  });

  test("behavior: the initialized notification opens the ledger, and tools answer from it", async () => {
    child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
    const budget = await request(3, "tools/call", { name: "get_budget", arguments: {} });
    expect(budget.result).toMatchObject({ structuredContent: { currency: "USDC", limits: { perRequest: "0.10" } } });
    expect(loaded().some((url) => PGLITE.test(url))).toBe(true);
  });
});
