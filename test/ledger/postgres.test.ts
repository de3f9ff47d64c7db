import { afterAll } from "vitest";
import { migratePostgres } from "../../src/ledger/migratePostgres.js";
import { openPostgres } from "../../src/ledger/postgresClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";
import { createThrowawayDb, type ThrowawayDb } from "../support/throwawayDb.js";
import { describeLedger } from "./describeLedger.js";

let db: ThrowawayDb | undefined;
afterAll(async () => {
  await db?.drop();
});

describeLedger("postgres 15 (postgres.js)", async () => {
  db = await createThrowawayDb();
  const client = openPostgres(db.url);
  await migratePostgres(client.sql, MIGRATIONS_DIR);
  return sqlLedger(client);
});
