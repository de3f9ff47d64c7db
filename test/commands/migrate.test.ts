import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { promisify } from "node:util";
import postgres from "postgres";
import { afterAll, describe, expect, test } from "vitest";
import { migratePostgres } from "../../src/ledger/migratePostgres.js";
import {
  MIGRATIONS_DIR,
  MIGRATIONS_TABLE_SQL,
  readMigrations,
  SQUASHED_MIGRATIONS,
} from "../../src/ledger/sqlClient.js";
import { createThrowawayDb, type ThrowawayDb } from "../support/throwawayDb.js";

const execFileAsync = promisify(execFile);
const dbs: ThrowawayDb[] = [];
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

async function emptyDb(): Promise<ThrowawayDb> {
  const db = await createThrowawayDb();
  dbs.push(db);
  return db;
}

/** `pag0 migrate` as a user runs it; resolves to its exit code and stderr. */
async function pag0Migrate(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await execFileAsync(process.execPath, ["--import", "tsx", "src/cli.ts", "migrate"], {
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    return { code: 0, stderr };
  } catch (e) {
    const failed = e as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

const appliedCount = (stderr: string) => Number(stderr.match(/applied (\d+) migration/)?.[1] ?? 0);

async function recorded(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await sql<{ name: string; checksum: string }[]>`select name, checksum from _migrations order by name`;
  } finally {
    await sql.end();
  }
}

describe("pag0 migrate", () => {
  test("behavior: two in parallel on an empty database apply each migration exactly once", async () => {
    const db = await emptyDb();
    const files = await readMigrations(MIGRATIONS_DIR);
    const runs = await Promise.all([pag0Migrate({ DATABASE_URL: db.url }), pag0Migrate({ DATABASE_URL: db.url })]);
    expect(
      runs.map((r) => r.code),
      runs.map((r) => r.stderr).join("\n"),
    ).toEqual([0, 0]);
    // one of them applied everything, the other waited for the lock and found nothing left to do
    expect(runs.map((r) => appliedCount(r.stderr)).sort((a, b) => a - b)).toEqual([0, files.length]);
    expect(runs.filter((r) => /up to date/.test(r.stderr))).toHaveLength(1);
    expect([...(await recorded(db.url))]).toEqual(files.map((f) => ({ name: f.name, checksum: f.checksum })));

    const again = await pag0Migrate({ DATABASE_URL: db.url });
    expect(again).toMatchObject({ code: 0, stderr: expect.stringMatching(/up to date/) });
  });

  test("behavior: six concurrent migrators on six pools never apply a file twice", async () => {
    const db = await emptyDb();
    const pools = Array.from({ length: 6 }, () => postgres(db.url, { max: 1, onnotice: () => {} }));
    try {
      const applied = await Promise.all(pools.map((sql) => migratePostgres(sql, MIGRATIONS_DIR)));
      expect(applied.flat().sort()).toEqual(
        readdirSync(MIGRATIONS_DIR)
          .filter((f) => f.endsWith(".sql"))
          .sort(),
      );
      expect(applied.filter((a) => a.length > 0)).toHaveLength(1);
    } finally {
      await Promise.all(pools.map((sql) => sql.end()));
    }
  });

  test("behavior: a database of the squashed pre-release migrations is refused with how to recreate it", async () => {
    const db = await emptyDb();
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      await sql.unsafe(MIGRATIONS_TABLE_SQL);
      for (const name of SQUASHED_MIGRATIONS) {
        await sql`insert into _migrations (name, checksum) values (${name}, ${"0".repeat(64)})`;
      }
    } finally {
      await sql.end();
    }
    const run = await pag0Migrate({ DATABASE_URL: db.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /this database was set up by a pre-release Pag0 whose migrations were squashed into \d{14}_baseline; recreate it: drop the database and create it again \(on Supabase: `supabase db reset`\), then run `pag0 migrate`/,
    );
    expect((await recorded(db.url)).map((r) => r.name)).toEqual([...SQUASHED_MIGRATIONS]); // nothing was applied
  });

  test("behavior: without DATABASE_URL it explains and exits 2; the password never shows", async () => {
    const none = await pag0Migrate({ PAG0_DATA_DIR: "/nonexistent/pag0" });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/needs DATABASE_URL/);
    const refused = await pag0Migrate({
      DATABASE_URL: "postgres://postgres:s3cret-pw@127.0.0.1:1/none",
      PAG0_LEDGER_TIMEOUT_MS: "2000",
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).not.toContain("s3cret-pw");
  });
});
