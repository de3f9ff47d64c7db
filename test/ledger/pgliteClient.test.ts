import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { LedgerUnavailableError } from "../../src/errors.js";
import { DataDirLockedError, lockDataDir } from "../../src/ledger/dataDirLock.js";
import { openPglite } from "../../src/ledger/pgliteClient.js";
import { defaultMigrationsDir, readMigrations, SQUASHED_MIGRATIONS } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";

const root = mkdtempSync(join(tmpdir(), "pag0-pglite-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
const freshDir = () => join(root, `ledger-${++dirs}`);
const LOCK_MODULE = new URL("../../src/ledger/dataDirLock.ts", import.meta.url).href;

/**
 * A node process that takes the real lock on `dataDir` (at `startAt`, so racers collide), prints "won" or
 * "lost <message>", then holds it.
 */
function locker(dataDir: string, startAt = 0): { child: ChildProcess; verdict: Promise<string> } {
  const code = `const { lockDataDir } = await import(${JSON.stringify(LOCK_MODULE)});
    while (Date.now() < ${startAt});
    try { await lockDataDir(${JSON.stringify(dataDir)}); console.log("won"); setInterval(() => {}, 1000); }
    catch (e) { console.log("lost " + e.message); process.exit(0); }`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const verdict = new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("\n")) resolve(out.trim());
    });
    child.once("exit", (c) => reject(new Error(`locker exited (${c}) without a verdict: ${out}`)));
  });
  return { child, verdict };
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await once(child, "exit");
  return child.pid!;
}

describe("openPglite", () => {
  test("behavior: a second open of a data dir fails while the first is open and succeeds after close", async () => {
    const dataDir = freshDir();
    const first = await openPglite({ dataDir });
    // every migration file, in name order, on a fresh data dir
    expect(first.migrated).toEqual((await readMigrations(defaultMigrationsDir())).map((m) => m.name));
    expect(first.migrated[0]).toMatch(/^\d{14}_baseline\.sql$/);
    const refused = await openPglite({ dataDir }).catch((e) => e);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect(refused).toBeInstanceOf(LedgerUnavailableError); // fail closed: nothing is paid
    expect(refused).toMatchObject({ pid: process.pid, code: "LEDGER_UNAVAILABLE", details: { pid: process.pid } });
    expect(refused.message).toContain(`pid ${process.pid}`);

    const ledger = sqlLedger(first);
    await ledger.upsertPrincipal("kept", { perRequest: 1n, daily: 2n, monthly: 3n });
    await ledger.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);

    const again = await openPglite({ dataDir });
    expect(again.migrated).toEqual([]); // migrations run once per data dir
    expect((await sqlLedger(again).budgetStatus("kept"))?.limits).toEqual({ perRequest: 1n, daily: 2n, monthly: 3n });
    await again.close();
  });

  test("behavior: a data dir locked by another live process names its pid; its death frees the dir", async () => {
    const dataDir = freshDir();
    const { child, verdict } = locker(dataDir);
    try {
      expect(await verdict).toBe("won");
      const refused = await openPglite({ dataDir }).catch((e) => e);
      expect(refused).toBeInstanceOf(DataDirLockedError);
      expect(refused.message).toContain(`pid ${child.pid}`);
    } finally {
      child.kill("SIGKILL");
      await once(child, "exit").catch(() => {});
    }
    const release = await lockDataDir(dataDir); // the dead holder's lock is taken over
    expect(JSON.parse(readFileSync(`${dataDir}.lock`, "utf8")).pid).toBe(process.pid);
    release();
  });

  test("behavior: a stale lock from a dead pid is taken over", async () => {
    const dataDir = freshDir();
    const pid = await deadPid();
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid, host: hostname(), token: "crashed" }));
    const release = await lockDataDir(dataDir);
    expect(JSON.parse(readFileSync(`${dataDir}.lock`, "utf8")).pid).toBe(process.pid);
    release();
    release(); // idempotent
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  test("behavior: processes racing to take over one stale lock: exactly one wins", async () => {
    const dataDir = freshDir();
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: await deadPid(), host: hostname(), token: "crashed" }));
    const startAt = Date.now() + 2500;
    const racers = Array.from({ length: 6 }, () => locker(dataDir, startAt));
    try {
      const verdicts = await Promise.all(racers.map((r) => r.verdict));
      expect(verdicts.filter((v) => v === "won")).toHaveLength(1);
      const winner = racers[verdicts.indexOf("won")]!.child.pid;
      for (const v of verdicts.filter((x) => x !== "won")) expect(v).toContain(`pid ${winner}`);
    } finally {
      for (const r of racers) r.child.kill("SIGKILL");
    }
  });

  test("behavior: a migration edited after it was applied is refused, and the lock is released", async () => {
    const dataDir = freshDir();
    const migrationsDir = join(root, "migrations");
    cpSync(defaultMigrationsDir(), migrationsDir, { recursive: true });
    await (await openPglite({ dataDir, migrationsDir })).close();

    const file = join(migrationsDir, (await readMigrations(migrationsDir))[0]!.name);
    writeFileSync(file, `${readFileSync(file, "utf8")}\n-- edited\n`);
    await expect(openPglite({ dataDir, migrationsDir })).rejects.toThrow(/changed after it was applied/);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    await (await openPglite({ dataDir })).close(); // the original still opens
  });

  test("behavior: a data dir made by pre-release migrations is told to be deleted, and stays as it was", async () => {
    const dataDir = freshDir();
    const made = await openPglite({ dataDir });
    // what a pre-release build recorded: the six migrations squashed into the baseline
    await made.db.exec("delete from _migrations");
    for (const name of SQUASHED_MIGRATIONS) {
      await made.db.query("insert into _migrations (name, checksum) values ($1, $2)", [name, "0".repeat(64)]);
    }
    await made.close();

    const refused = await openPglite({ dataDir }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(
      /^this database was set up by a pre-release Pag0 whose migrations were squashed into \d{14}_baseline; recreate it: /,
    );
    expect((refused as Error).message).toContain(`delete ${dataDir};`);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true); // nothing is deleted for the user
  });

  test("behavior: calls on a closed database fail as LEDGER_UNAVAILABLE", async () => {
    const db = await openPglite();
    const ledger = sqlLedger(db);
    await ledger.close();
    await ledger.close(); // idempotent
    const e = await ledger.budgetStatus("anyone").catch((x) => x);
    expect(e).toBeInstanceOf(LedgerUnavailableError);
    expect(e.code).toBe("LEDGER_UNAVAILABLE");
  });
});
