import { describe, expect, test } from "vitest";
import { loadConfig } from "../src/config/loadConfig.js";
import { configProblems as problems } from "./support/configProblems.js";

describe("loadConfig: the ledger", () => {
  test("default: the embedded PGlite in the data dir, 30 s to reach it", () => {
    expect(loadConfig({ PAG0_DATA_DIR: "/tmp/pag0-x" }).ledger).toEqual({
      kind: "pglite",
      dataDir: "/tmp/pag0-x",
      timeoutMs: 30_000,
    });
  });

  test("behavior: DATABASE_URL selects Postgres, and wins over SUPABASE_URL", () => {
    const url = "postgresql://postgres.abc:pw@aws-0-eu.pooler.supabase.com:5432/postgres?sslmode=require";
    expect(loadConfig({ DATABASE_URL: url, PAG0_LEDGER_TIMEOUT_MS: "5000" }).ledger).toEqual({
      kind: "postgres",
      url,
      timeoutMs: 5000,
    });
    expect(
      loadConfig({ DATABASE_URL: url, SUPABASE_URL: "https://abc.supabase.co", SUPABASE_SERVICE_ROLE_KEY: "k" }).ledger
        .kind,
    ).toBe("postgres");
  });

  test("behavior: SUPABASE_URL with the service role key selects Supabase REST", () => {
    expect(loadConfig({ SUPABASE_URL: "https://abc.supabase.co", SUPABASE_SERVICE_ROLE_KEY: "k" }).ledger).toEqual({
      kind: "supabase",
      url: "https://abc.supabase.co",
      serviceRoleKey: "k",
      timeoutMs: 30_000,
    });
  });

  test("behavior: bad ledger settings are reported without quoting the secret", () => {
    const found = problems({ DATABASE_URL: "mysql://root:hunter2@db/x" });
    expect(found).toEqual(["DATABASE_URL: must be a postgres:// or postgresql:// connection string"]);
    expect(problems({ SUPABASE_URL: "https://abc.supabase.co" })).toEqual([
      "SUPABASE_SERVICE_ROLE_KEY: required with SUPABASE_URL",
    ]);
    const plain = problems({ SUPABASE_URL: "http://abc.supabase.co", SUPABASE_SERVICE_ROLE_KEY: "secret-key" });
    expect(plain).toEqual(["SUPABASE_URL: must be the project's https:// URL"]);
    expect(JSON.stringify([found, plain])).not.toMatch(/hunter2|secret-key/);
  });
});
