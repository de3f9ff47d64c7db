import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openPglite } from "../../src/ledger/pgliteClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";
import { expectPaidExactly } from "../support/expectPaidExactly.js";
import { pag0StdioTransport } from "../support/pag0StdioTransport.js";
import { startWorld, type World } from "../world/world.js";

// Several Claude Code sessions on one machine: three `pag0 stdio` processes on one data dir share one ledger.
const PRICE = 10_000n; // 0.01 USDC

let world: World;
const root = mkdtempSync(join(tmpdir(), "pag0-shared-"));
const started: Pag0Process[] = [];
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await Promise.all(started.map((p) => p.client.close().catch(() => {})));
  await world?.stop();
  rmSync(root, { recursive: true, force: true });
});

interface Pag0Process {
  client: Client;
  transport: StdioClientTransport;
  stderr: string[];
  call(name: string, args?: Record<string, unknown>): Promise<any>;
}

/** `count` pag0 stdio processes on `dataDir`, started together (so they race for the data dir). */
async function startProcesses(count: number, dataDir: string, env: Record<string, string>): Promise<Pag0Process[]> {
  const processes = await Promise.all(
    Array.from({ length: count }, async () => {
      // PAG0_CACHE=false: every call goes to the paid API (a cached answer would be free)
      const transport = pag0StdioTransport(world, {
        PAG0_DATA_DIR: dataDir,
        PAG0_CACHE: "false",
        LOG_LEVEL: "info",
        ...env,
      });
      const stderr: string[] = [];
      transport.stderr?.on("data", (d) => stderr.push(String(d)));
      const client = new Client({ name: "shared-ledger-test", version: "0" });
      await client.connect(transport);
      const p: Pag0Process = {
        client,
        transport,
        stderr,
        call: (name, args = {}) => client.callTool({ name, arguments: args }),
      };
      started.push(p);
      return p;
    }),
  );
  await Promise.all(processes.map((p) => p.call("get_budget"))); // every process has reached the ledger
  return processes;
}

/** Three processes on `dataDir` paying from a fresh wallet, 0.01 USDC per call at most, `daily` a day. */
async function threePaying(dataDir: string, daily: string) {
  const payer = await world.newPayer();
  const env = { WALLET_PRIVATE_KEY: payer.key, PAG0_MAX_PER_REQUEST: "0.01", PAG0_DAILY_BUDGET: daily };
  return { payer, processes: await startProcesses(3, dataDir, env) };
}

const ownerPid = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, "ledger.lock"), "utf8")).pid as number;

async function spendOf(p: Pag0Process) {
  const { structuredContent } = await p.call("list_spend", { limit: 100 });
  return {
    items: (structuredContent.items as any[]).map((i) => `${i.receiptId}:${i.status}:${i.txHash}`).sort(),
    totals: structuredContent.totals,
  };
}

/** After every process exited: the data dir opens (no lock left, nothing corrupt) and holds what they reported. */
async function reopen(dataDir: string) {
  const db = await openPglite({ dataDir: join(dataDir, "ledger"), migrationsDir: MIGRATIONS_DIR });
  const ledger = sqlLedger(db);
  try {
    return (await ledger.listSpend({ principal: "local", limit: 100 })).items;
  } finally {
    await ledger.close();
  }
}

describe("pag0 stdio: three processes on one data dir", () => {
  test("behavior: 60 concurrent paid calls across them with a budget for 10 pay exactly 10", {
    timeout: 240_000,
  }, async () => {
    const dataDir = join(root, "a");
    const { payer, processes } = await threePaying(dataDir, "0.10");
    expect(processes.filter((p) => p.transport.pid === ownerPid(dataDir))).toHaveLength(1);
    const payTo = world.newAddress();
    const url = world.v2.route({ price: PRICE, payTo });

    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => processes[i % 3]!.call("paid_fetch", { url })),
    );

    const paid = await expectPaidExactly(world, results, { count: 10, price: PRICE, payTo, payer: payer.address });
    // every process sees the same ledger
    const views = await Promise.all(processes.map(spendOf));
    expect(views[0]!.items).toHaveLength(10);
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
    expect(views[0]!.totals).toMatchObject({ spent: "0.10", count: 10 });
    const txs = paid.map((r) => r.structuredContent.payment.txHash).sort();
    expect(views[0]!.items.map((i) => i.split(":")[2]).sort()).toEqual(txs);

    await Promise.all(processes.map((p) => p.client.close()));
    const rows = await reopen(dataDir);
    expect(
      rows
        .filter((r) => r.status === "settled")
        .map((r) => r.txHash)
        .sort(),
    ).toEqual(txs);
  });

  test("behavior: SIGKILL of the owning process mid-run loses no committed row; the others take over and keep paying", {
    timeout: 300_000,
  }, async () => {
    const dataDir = join(root, "b");
    const { payer, processes } = await threePaying(dataDir, "1.00");
    const owner = processes.find((p) => p.transport.pid === ownerPid(dataDir))!;
    const survivors = processes.filter((p) => p !== owner);
    const payTo = world.newAddress();
    const url = world.v2.route({ price: PRICE, payTo });

    const acknowledged: any[] = [];
    const calls = Array.from({ length: 30 }, async (_, i) => {
      const r = await processes[i % 3]!.call("paid_fetch", { url }).catch((e: Error) => ({ lost: e.message }));
      if (r.structuredContent?.payment) acknowledged.push(r.structuredContent);
      return r;
    });
    while (acknowledged.length < 3) await new Promise((r) => setTimeout(r, 25));
    process.kill(owner.transport.pid!, "SIGKILL");
    const wave1 = await Promise.all(calls);
    // nothing was paid without the ledger: a refused call is LEDGER_UNAVAILABLE (in flight at the kill) or the
    // killed process's own calls, whose transport died with it
    for (const r of wave1.filter((x: any) => x.isError)) {
      expect(r.structuredContent.error.code).toBe("LEDGER_UNAVAILABLE");
    }

    // the survivors took the data dir over and keep paying
    const wave2 = await Promise.all(
      Array.from({ length: 10 }, (_, i) => survivors[i % 2]!.call("paid_fetch", { url })),
    );
    expect(wave2.filter((r) => r.isError).map((r) => r.structuredContent.error)).toEqual([]);
    acknowledged.push(...wave2.map((r) => r.structuredContent));
    expect(survivors.map((p) => p.transport.pid)).toContain(ownerPid(dataDir));

    const views = await Promise.all(survivors.map(spendOf));
    expect(views[1]).toEqual(views[0]);
    const rows = await survivors[0]!.call("list_spend", { limit: 100 });
    const byId = new Map<string, any>(rows.structuredContent.items.map((i: any) => [i.receiptId, i]));
    for (const a of acknowledged) {
      // committed rows survive: settled with the reported transaction (or, if the kill cut the settle short,
      // still signed, for the reconciler to settle from chain state)
      const row = byId.get(a.receiptId);
      expect(row, `receipt ${a.receiptId}`).toBeDefined();
      expect(["settled", "signed"]).toContain(row.status);
      if (row.status === "settled") expect(row.txHash).toBe(a.payment.txHash);
    }
    // every transfer on chain has its row: settled, or signed and waiting for the reconciler
    const items = [...byId.values()];
    const settled = items.filter((i) => i.status === "settled").length;
    const maybePaid = items.filter((i) => ["settled", "signed", "unknown"].includes(i.status)).length;
    const onChain = (await world.balanceOf(payTo)) / PRICE;
    expect(onChain).toBeGreaterThanOrEqual(BigInt(settled));
    expect(onChain).toBeLessThanOrEqual(BigInt(maybePaid));
    expect(await world.balanceOf(payer.address)).toBe(100_000_000n - onChain * PRICE); // and nothing else left

    await Promise.all(survivors.map((p) => p.client.close()));
    expect((await reopen(dataDir)).length).toBe(items.length);
  });
});
