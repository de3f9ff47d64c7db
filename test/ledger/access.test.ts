import { afterAll } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.js";
import { migratePostgres } from "../../src/ledger/migratePostgres.js";
import { openPglite } from "../../src/ledger/pgliteClient.js";
import { openPostgres, type PostgresClient } from "../../src/ledger/postgresClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";
import { openSupabase } from "../../src/ledger/supabaseClient.js";
import { type PgrstStandin, startPgrstStandin } from "../support/pgrstStandin.js";
import { createThrowawayDb, type ThrowawayDb } from "../support/throwawayDb.js";
import { describeAccess } from "./describeAccess.js";
import { describeRefusals } from "./describeRefusals.js";

// API keys, principals' and the wallet's limits, host lists and approvals, and refused calls' receipts, on every
// ledger adapter
const dbs: ThrowawayDb[] = [];
const admins: PostgresClient[] = [];
const standins: PgrstStandin[] = [];
afterAll(async () => {
  for (const s of standins) await s.close();
  for (const a of admins) await a.close();
  for (const db of dbs) await db.drop();
});

const backends: [string, () => Promise<Ledger>][] = [
  ["pglite (in memory)", async () => sqlLedger(await openPglite())],
  [
    "postgres 15 (postgres.js)",
    async () => {
      const db = await createThrowawayDb();
      dbs.push(db);
      const client = openPostgres(db.url);
      await migratePostgres(client.sql, MIGRATIONS_DIR);
      return sqlLedger(client);
    },
  ],
  [
    "supabase-js (service role, PostgREST stand-in, Postgres 15)",
    async () => {
      const db = await createThrowawayDb({ supabaseRoles: true });
      dbs.push(db);
      const sql = openPostgres(db.url, { max: 2 });
      admins.push(sql);
      await migratePostgres(sql.sql, MIGRATIONS_DIR);
      const standin = await startPgrstStandin(db.url);
      standins.push(standin);
      return sqlLedger(openSupabase({ url: standin.url, serviceRoleKey: standin.key("service_role") }));
    },
  ],
];

for (const [name, make] of backends) {
  describeAccess(name, make);
  describeRefusals(name, make);
}
