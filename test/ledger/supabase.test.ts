import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { migratePostgres } from "../../src/ledger/migratePostgres.js";
import { openPostgres, type PostgresClient } from "../../src/ledger/postgresClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";
import { openSupabase, SupabaseRpcError } from "../../src/ledger/supabaseClient.js";
import { type PgrstStandin, startPgrstStandin } from "../support/pgrstStandin.js";
import { testReserveInput } from "../support/reserveInput.js";
import { createThrowawayDb, type ThrowawayDb } from "../support/throwawayDb.js";
import { describeLedger } from "./describeLedger.js";

// supabase-js → PostgREST RPC stand-in → real Postgres 15, migrated as a Supabase project would be
let db: ThrowawayDb;
let admin: PostgresClient;
let standin: PgrstStandin;
beforeAll(async () => {
  db = await createThrowawayDb({ supabaseRoles: true });
  admin = openPostgres(db.url, { max: 2 });
  await migratePostgres(admin.sql, MIGRATIONS_DIR);
  standin = await startPgrstStandin(db.url);
});
afterAll(async () => {
  await standin?.close();
  await admin?.close();
  await db?.drop();
});

describeLedger("supabase-js (service role, PostgREST stand-in, Postgres 15)", async () =>
  sqlLedger(openSupabase({ url: standin.url, serviceRoleKey: standin.key("service_role") })),
);

describe("supabase roles", () => {
  test("behavior: the anon key is refused by every ledger function (401, permission denied)", async () => {
    const anon = openSupabase({ url: standin.url, serviceRoleKey: standin.key("anon") });
    const e = (await anon.call("budget_status", { p_principal: "local" }).catch((x) => x)) as SupabaseRpcError;
    expect(e).toBeInstanceOf(SupabaseRpcError);
    expect(e).toMatchObject({ code: "42501", status: 401 });
    expect(e.message).toMatch(/permission denied for function budget_status/);
    const reserve = await sqlLedger(anon)
      .reserve(testReserveInput("local"))
      .catch((x) => x);
    expect(reserve.code).toBe("LEDGER_UNAVAILABLE"); // fail closed: nothing is paid
    expect(reserve.cause).toMatchObject({ code: "42501" });
  });

  test("behavior: anon and authenticated can execute no function and read no table; RLS is on everywhere", async () => {
    const open = await admin.sql`
      select p.oid::regprocedure::text as name from pg_proc p
       where p.pronamespace = 'public'::regnamespace
         and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
         and (has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute'))`;
    expect(open.map((r) => r.name)).toEqual([]);
    const tables = await admin.sql`
      select c.relname as name, c.relrowsecurity as rls,
             has_table_privilege('anon', c.oid, 'select,insert,update,delete') as anon,
             has_table_privilege('authenticated', c.oid, 'select,insert,update,delete') as authenticated
        from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' order by 1`;
    expect(tables.map((t) => t.name)).toContain("_migrations");
    expect(tables.filter((t) => !t.rls || t.anon || t.authenticated)).toEqual([]);
    const [service] = await admin.sql`select bool_and(has_function_privilege('service_role', oid, 'execute')) as ok
      from pg_proc where pronamespace = 'public'::regnamespace and proname = 'reserve_spend'`;
    expect(service?.ok).toBe(true);
  });
});
