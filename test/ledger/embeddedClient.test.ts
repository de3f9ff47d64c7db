import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { type EmbeddedClient, embeddedClient, socketPathFor } from "../../src/ledger/embeddedClient.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import { openPostgres } from "../../src/ledger/postgresClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";
import { createLogger } from "../../src/logger.js";
import { testReserveInput } from "../support/reserveInput.js";
import { describeLedger } from "./describeLedger.js";

const root = mkdtempSync(join(tmpdir(), "pag0-embedded-"));
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

let dirs = 0;
const freshDir = () => join(root, `data-${++dirs}`);
const quiet = createLogger("silent");

function open(dataDir: string, timeoutMs = 30_000): EmbeddedClient {
  const client = embeddedClient({ dataDir, migrationsDir: MIGRATIONS_DIR, timeoutMs, log: quiet });
  closers.push(() => client.close());
  return client;
}

/** Another Pag0 process on `dataDir`: it opens the embedded ledger, prints its role, then idles (or closes on SIGTERM). */
function otherProcess(dataDir: string): { child: ChildProcess; role: Promise<string> } {
  const code = `const { embeddedClient } = await import(${JSON.stringify(new URL("../../src/ledger/embeddedClient.ts", import.meta.url).href)});
    const { createLogger } = await import(${JSON.stringify(new URL("../../src/logger.ts", import.meta.url).href)});
    const c = embeddedClient({ dataDir: ${JSON.stringify(dataDir)}, migrationsDir: ${JSON.stringify(MIGRATIONS_DIR)}, timeoutMs: 60000, log: createLogger("silent") });
    console.log((await c.ownerLock().acquire()) ? "owner" : "client");
    const t = setInterval(() => {}, 1000);
    process.once("SIGTERM", async () => { await c.close(); clearInterval(t); });`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  closers.push(async () => child.kill("SIGKILL"));
  const role = new Promise<string>((resolve, reject) => {
    child.stdout?.once("data", (b: Buffer) => resolve(b.toString().trim()));
    child.once("exit", (c) => reject(new Error(`exited (${c}) before opening the ledger`)));
  });
  return { child, role };
}

const LIMITS = { perRequest: 10n, daily: 1_000_000n, monthly: 1_000_000n };

// the contract, through the socket: this process's client reaches the ledger another client owns
describeLedger("embedded (client of the owning process, over its unix socket)", async () => {
  const dataDir = freshDir();
  const owner = open(dataDir);
  expect(await owner.ownerLock().acquire()).toBe(true);
  const client = open(dataDir);
  expect(await client.ownerLock().acquire()).toBe(false);
  return sqlLedger(client);
});

describe("embeddedClient", () => {
  test("behavior: the owner refreshes the planner's statistics, since PGlite runs no autovacuum", async () => {
    const dataDir = freshDir();
    const owner = embeddedClient({
      dataDir,
      migrationsDir: MIGRATIONS_DIR,
      timeoutMs: 30_000,
      log: quiet,
      analyzeIntervalMs: 200,
    });
    closers.push(() => owner.close());
    const ledger = sqlLedger(owner);
    await ledger.upsertPrincipal("stats", LIMITS);
    for (let i = 0; i < 20; i++) await ledger.reserve(testReserveInput("stats"));
    const peer = openPostgres({ path: socketPathFor(dataDir) }, { kind: "pglite", max: 1 });
    closers.push(() => peer.close());
    const tuples = async () =>
      Number((await peer.sql`select reltuples from pg_class where relname = 'spend_events'`)[0]?.reltuples);
    const deadline = Date.now() + 10_000;
    while ((await tuples()) < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await tuples()).toBe(20);
  });

  test("behavior: the owner is SIGKILLed mid-run; another process takes over and every acknowledged row is there", async () => {
    const dataDir = freshDir();
    const other = otherProcess(dataDir);
    expect(await other.role).toBe("owner");
    const client = open(dataDir);
    const ledger: Ledger = sqlLedger(client);
    await ledger.upsertPrincipal("p", LIMITS);
    expect(client.isOwner()).toBe(false);

    const acknowledged: string[] = [];
    let failed = 0;
    let stop = false;
    const writers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const r = await ledger.reserve(testReserveInput("p")).catch(() => null);
        if (r?.ok) acknowledged.push(r.spend.id);
        else failed++; // in flight when the owner died: fails closed
      }
    });
    while (acknowledged.length < 30) await new Promise((r) => setTimeout(r, 20));
    other.child.kill("SIGKILL");
    await once(other.child, "exit");
    const before = acknowledged.length;
    while (acknowledged.length < before + 30) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await Promise.all(writers);

    expect(client.isOwner()).toBe(true); // it took the data dir over
    const missing = [];
    for (const id of acknowledged) if ((await ledger.getSpend(id)) === null) missing.push(id);
    expect(missing).toEqual([]);
    expect((await ledger.listSpend({ principal: "p", limit: 1 })).totals.count).toBeGreaterThanOrEqual(
      acknowledged.length,
    );
    expect(failed).toBeLessThan(10); // only calls in flight at the kill fail; the rest are retried or wait
  });

  test("behavior: when the owner exits, a waiting process takes over, and a new process joins it", async () => {
    const dataDir = freshDir();
    const first = open(dataDir);
    const ledger = sqlLedger(first);
    await ledger.upsertPrincipal("p", LIMITS);
    expect(first.isOwner()).toBe(true);
    const second = open(dataDir);
    const secondLedger = sqlLedger(second);
    const r = await secondLedger.reserve(testReserveInput("p"));
    expect(second.isOwner()).toBe(false);

    await first.close();
    expect(await second.ownerLock().acquire()).toBe(true); // a job tick takes it over, no call needed
    expect(await secondLedger.getSpend(r.ok ? r.spend.id : "0")).toMatchObject({ status: "reserved" });
    const third = open(dataDir);
    expect(await third.ownerLock().acquire()).toBe(false);
    expect((await sqlLedger(third).listSpend({ principal: "p", limit: 10 })).items).toHaveLength(1);
  });

  test("behavior: an owner that does not answer makes calls fail closed, naming its pid", async () => {
    const dataDir = freshDir();
    // a live process holds the data dir lock but serves nothing (hung, or an older Pag0)
    const code = `const { lockDataDir } = await import(${JSON.stringify(new URL("../../src/ledger/dataDirLock.ts", import.meta.url).href)});
      await lockDataDir(${JSON.stringify(join(dataDir, "ledger"))}); console.log("locked"); setInterval(() => {}, 1000);`;
    const holder = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    closers.push(async () => holder.kill("SIGKILL"));
    await once(holder.stdout!, "data");
    const ledger = sqlLedger(open(dataDir, 1500));
    const e = await ledger.budgetStatus("p").catch((x) => x);
    expect(e.code).toBe("LEDGER_UNAVAILABLE");
    expect(String(e.cause?.cause?.message ?? e.cause?.message)).toContain(`pid ${holder.pid}`);
  });

  test("default: the socket lives beside the ledger, or in the temp dir when that path is too long", () => {
    expect(socketPathFor("/home/u/.pag0")).toBe("/home/u/.pag0/ledger.sock");
    const long = `/tmp/${"d".repeat(120)}`;
    expect(socketPathFor(long)).toMatch(new RegExp(`^${tmpdir()}/pag0-[0-9a-f]{16}\\.sock$`));
    expect(socketPathFor(long)).toBe(socketPathFor(`${long}/`));
    expect(socketPathFor("C:\\Users\\me\\.pag0", "win32")).toMatch(/^\\\\\.\\pipe\\pag0-[0-9a-f]{16}$/);
  });
});
