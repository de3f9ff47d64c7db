import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { embeddedClient } from "../src/ledger/embeddedClient.js";
import type { Ledger } from "../src/ledger/ledger.js";
import { migratePostgres } from "../src/ledger/migratePostgres.js";
import { openPglite } from "../src/ledger/pgliteClient.js";
import { openPostgres } from "../src/ledger/postgresClient.js";
import { MIGRATIONS_DIR } from "../src/ledger/sqlClient.js";
import { sqlLedger } from "../src/ledger/sqlLedger.js";
import { createLogger } from "../src/logger.js";
import { testReserveInput } from "../test/support/reserveInput.js";
import { createThrowawayDb } from "../test/support/throwawayDb.js";
import { measureStartup, startupLines } from "./ledgerStartup.js";
import { buildPackage } from "./transports/buildPackage.js";

const PAIRS = Number(process.env.BENCH_PAIRS ?? 1000);
const STARTS = Number(process.env.BENCH_STARTS ?? 3);
const IN_FLIGHT = 50;
const root = mkdtempSync(join(tmpdir(), "pag0-bench-ledger-"));

/** reserve+settle pairs per second over `budgets` principals, IN_FLIGHT at a time */
async function throughput(ledger: Ledger, budgets: number): Promise<number> {
  const run = `${Date.now()}-${budgets}`;
  const principals = Array.from({ length: budgets }, (_, i) => `bench-${run}-${i}`);
  const limits = { perRequest: 10n, daily: 10n ** 12n, monthly: 10n ** 12n };
  for (const p of principals) await ledger.upsertPrincipal(p, limits);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < PAIRS) {
        const p = principals[next++ % budgets]!;
        const r = await ledger.reserve(testReserveInput(p));
        if (!r.ok) throw new Error(`reserve refused: ${r.reason}`);
        await ledger.settle(r.spend.id, { txHash: `0x${"ab".repeat(32)}` });
      }
    }),
  );
  return PAIRS / ((performance.now() - t0) / 1000);
}

async function backends(): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  const measure = async (name: string, ledger: Ledger) => {
    await throughput(ledger, 5); // warm up
    out[name] = { "1 budget": await throughput(ledger, 1), "50 budgets": await throughput(ledger, 50) };
  };

  const pglite = sqlLedger(
    await openPglite({ dataDir: join(root, "pglite", "ledger"), migrationsDir: MIGRATIONS_DIR }),
  );
  await measure("PGlite, in process", pglite);
  await pglite.close();

  const log = createLogger("silent");
  const dataDir = join(root, "shared");
  const owner = embeddedClient({ dataDir, migrationsDir: MIGRATIONS_DIR, timeoutMs: 60_000, log });
  await owner.ownerLock().acquire();
  const client = embeddedClient({ dataDir, migrationsDir: MIGRATIONS_DIR, timeoutMs: 60_000, log });
  if (await client.ownerLock().acquire()) throw new Error("the second client should not own the data dir");
  await measure("PGlite, via the owner's socket", sqlLedger(client));
  await client.close();
  await owner.close();

  const db = await createThrowawayDb();
  try {
    const pg = openPostgres(db.url);
    await migratePostgres(pg.sql, MIGRATIONS_DIR);
    await measure("Postgres 15, postgres.js pool 10", sqlLedger(pg));
    await pg.close();
  } finally {
    await db.drop();
  }
  return out;
}

/** ms from spawning an MCP stdio server to its `initialize` answer, and (pag0) to its first ledger answer */
async function startOnce(args: string[], env: Record<string, string>, ledgerCall: boolean) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    env: { PATH: process.env.PATH ?? "", ...env },
    stderr: "ignore",
  });
  const client = new Client({ name: "bench", version: "0" });
  const t0 = performance.now();
  await client.connect(transport);
  const initialize = performance.now() - t0;
  if (ledgerCall) await client.callTool({ name: "get_budget", arguments: {} });
  const ledger = performance.now() - t0;
  await client.close();
  return { initialize, ledger };
}

const BARE_SERVER = `import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
await new McpServer({ name: "bare", version: "0" }).connect(new StdioServerTransport());`;

async function startup(cli: string) {
  const samples = { pag0: [] as number[], ledger: [] as number[], bare: [] as number[] };
  for (let i = 0; i < STARTS; i++) {
    const fresh = { PAG0_DATA_DIR: join(root, `start-${i}`), LOG_LEVEL: "warn" };
    const p = await startOnce([cli, "stdio"], fresh, true);
    samples.pag0.push(p.initialize);
    samples.ledger.push(p.ledger);
    // the bare server resolves the SDK from this checkout
    samples.bare.push((await startOnce(["--input-type=module", "-e", BARE_SERVER], {}, false)).initialize);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return { pag0: median(samples.pag0), ledger: median(samples.ledger), bare: median(samples.bare) };
}

async function main() {
  try {
    const rates = await backends();
    const cli = (await buildPackage(join(root, "pkg"))).cli;
    const s = await startup(cli);
    const first = await measureStartup([cli, "stdio"], STARTS, join(root, "first-call"));
    const lines = [
      `Ledger bench (reserve+settle pairs/s, ${PAIRS} pairs, ${IN_FLIGHT} in flight, same run)`,
      ...Object.entries(rates).map(
        ([name, r]) =>
          `  ${name.padEnd(34)} 1 budget ${r["1 budget"]!.toFixed(0).padStart(6)}   50 budgets ${r["50 budgets"]!.toFixed(0).padStart(6)}`,
      ),
      `pag0 stdio startup on a fresh data dir (median of ${STARTS})`,
      `  initialize answered in ${s.pag0.toFixed(0)} ms (a bare MCP SDK server: ${s.bare.toFixed(0)} ms, ratio ${(s.pag0 / s.bare).toFixed(2)}x)`,
      `  first ledger answer (get_budget) after ${s.ledger.toFixed(0)} ms`,
      ...startupLines(first, STARTS),
      "",
    ];
    process.stdout.write(lines.join("\n"));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`ledger bench failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
