import type { Ledger } from "../../src/ledger/ledger.js";
import { openPglite } from "../../src/ledger/pgliteClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";

/** An in-memory PGlite ledger with the real migrations: about 5 s to start, so share one per test file. */
export async function openTestLedger(): Promise<Ledger> {
  return sqlLedger(await openPglite({ migrationsDir: MIGRATIONS_DIR }));
}
