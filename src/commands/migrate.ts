import { openMigrationConnection } from "../app/openLedger.js";
import { loadConfig } from "../config/loadConfig.js";
import { migratePostgres } from "../ledger/migratePostgres.js";
import { defaultMigrationsDir } from "../ledger/sqlClient.js";
import type { Command } from "./command.js";

export const migrate: Command = {
  usage:
    "Usage: pag0 migrate\n\nApplies supabase/migrations to DATABASE_URL in name order under an advisory lock, each in its own transaction;\nrefuses a database whose applied migrations were edited.\n",
  summary: "apply supabase/migrations to DATABASE_URL (once, however many run at the same time)",
  async run() {
    const config = loadConfig();
    if (config.ledger.kind !== "postgres") {
      process.stderr.write(
        config.ledger.kind === "supabase"
          ? "pag0 migrate needs DATABASE_URL (the project's connection string); or apply supabase/migrations with `supabase db push`.\n"
          : "pag0 migrate needs DATABASE_URL; the embedded ledger migrates itself when it opens.\n",
      );
      return 2;
    }
    const db = await openMigrationConnection(config.ledger.url, config.ledger.timeoutMs);
    try {
      const applied = await migratePostgres(db.sql, defaultMigrationsDir());
      process.stderr.write(
        applied.length === 0
          ? "pag0 migrate: the database is up to date\n"
          : `pag0 migrate: applied ${applied.length} migration(s):\n${applied.map((m) => `  ${m}\n`).join("")}`,
      );
      return 0;
    } finally {
      await db.close();
    }
  },
};
