import { PGlite } from "@electric-sql/pglite";
import type { Ledger } from "../../src/ledger/ledger.js";
import { MIGRATIONS_DIR, namedCall, readMigrations, type SqlClient } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";

/**
 * An in-memory ledger with the real migrations, plus the PGlite under it for raw SQL: what a test needs to edit
 * stored rows the way a malicious or careless operator could.
 */
export async function openRawPglite(): Promise<{ ledger: Ledger; pg: PGlite }> {
  const pg = await PGlite.create();
  for (const m of await readMigrations(MIGRATIONS_DIR)) await pg.exec(m.sql);
  const client: SqlClient = {
    kind: "pglite",
    async call(fn, args) {
      const { text, params } = namedCall(fn, args, { jsonAsText: true });
      return (await pg.query<{ result: unknown }>(text, params)).rows[0]?.result ?? null;
    },
    close: () => pg.close(),
  };
  return { ledger: sqlLedger(client), pg };
}
