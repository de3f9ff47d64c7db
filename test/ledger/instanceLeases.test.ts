import { afterAll } from "vitest";
import { migratePostgres } from "../../src/ledger/migratePostgres.js";
import { openPglite } from "../../src/ledger/pgliteClient.js";
import { openPostgres } from "../../src/ledger/postgresClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";
import { createThrowawayDb, type ThrowawayDb } from "../support/throwawayDb.js";
import { describeInstanceLeases } from "./describeInstanceLeases.js";

let db: ThrowawayDb | undefined;
afterAll(async () => {
  await db?.drop();
});

describeInstanceLeases("pglite (in memory)", async () => sqlLedger(await openPglite()));

describeInstanceLeases("postgres 15 (postgres.js)", async () => {
  db = await createThrowawayDb();
  const client = openPostgres(db.url);
  await migratePostgres(client.sql, MIGRATIONS_DIR);
  return sqlLedger(client);
});
