import { afterAll } from "vitest";
import { migratePostgres } from "../../src/ledger/migratePostgres.js";
import { openPglite } from "../../src/ledger/pgliteClient.js";
import { openPostgres, type PostgresClient } from "../../src/ledger/postgresClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";
import { openSupabase } from "../../src/ledger/supabaseClient.js";
import { type PgrstStandin, startPgrstStandin } from "../support/pgrstStandin.js";
import { createThrowawayDb, type ThrowawayDb } from "../support/throwawayDb.js";
import { describeRefusals } from "./describeRefusals.js";

// refused calls' receipts (list_spend status refused, audit lookups by their id), on every ledger adapter
const dbs: ThrowawayDb[] = [];
let admin: PostgresClient | undefined;
let standin: PgrstStandin | undefined;
afterAll(async () => {
  await standin?.close();
  await admin?.close();
  for (const db of dbs) await db.drop();
});

describeRefusals("pglite (in memory)", async () => sqlLedger(await openPglite()));

describeRefusals("postgres 15 (postgres.js)", async () => {
  const db = await createThrowawayDb();
  dbs.push(db);
  const client = openPostgres(db.url);
  await migratePostgres(client.sql, MIGRATIONS_DIR);
  return sqlLedger(client);
});

describeRefusals("supabase-js (service role, PostgREST stand-in, Postgres 15)", async () => {
  const db = await createThrowawayDb({ supabaseRoles: true });
  dbs.push(db);
  admin = openPostgres(db.url, { max: 2 });
  await migratePostgres(admin.sql, MIGRATIONS_DIR);
  standin = await startPgrstStandin(db.url);
  return sqlLedger(openSupabase({ url: standin.url, serviceRoleKey: standin.key("service_role") }));
});
