import postgres from "postgres";
import { type LedgerFunction, namedCall, type SqlArgs, type SqlClient } from "./sqlClient.js";

export interface PostgresOptions {
  /** how long to wait for a connection before a call fails (the ledger is then unavailable) */
  connectTimeoutMs?: number;
  /** pool size (default 10) */
  max?: number;
  /** reported as `kind`: "pglite" when this reaches an embedded ledger served by another process */
  kind?: "postgres" | "pglite";
}

export interface PostgresClient extends SqlClient {
  /** the postgres.js pool, for migrations and checks that are not ledger functions */
  readonly sql: postgres.Sql;
}

/**
 * The ledger over postgres.js: a `postgres://` connection string (also a Supabase direct or pooler string), or
 * `{ path }`, the unix socket of an embedded ledger served by another Pag0 process. Connects lazily and again after
 * an outage, so a database that comes back needs no restart. Never logs the connection string (it holds a
 * password); notices are dropped (postgres.js would print them on stdout, which belongs to the stdio transport).
 * @example const db = openPostgres(config.ledger.url); await sqlLedger(db).budgetStatus("local");
 */
export function openPostgres(target: string | { path: string }, options: PostgresOptions = {}): PostgresClient {
  const common = {
    max: options.max ?? 10,
    connect_timeout: Math.max(1, Math.ceil((options.connectTimeoutMs ?? 30_000) / 1000)),
    onnotice: () => {},
    connection: { application_name: "pag0" },
  };
  let sql: postgres.Sql;
  if (typeof target === "string") {
    const url = new URL(target);
    // transaction-mode poolers (Supabase's on 6543, pgbouncer) cannot keep prepared statements across calls
    const pooled = url.port === "6543" || url.searchParams.get("pgbouncer") === "true";
    url.searchParams.delete("pgbouncer"); // not a server setting: postgres.js would send it on as one
    sql = postgres(url.toString(), { ...common, prepare: !pooled });
  } else {
    sql = postgres({ ...common, path: target.path, database: "postgres", username: "postgres" });
  }
  let closing: Promise<void> | undefined;
  return {
    kind: options.kind ?? "postgres",
    sql,
    async call(fn: LedgerFunction, args: SqlArgs) {
      // jsonb parameters stay objects: postgres.js learns their type from the server and serialises them itself
      const { text, params } = namedCall(fn, args, { jsonAsText: false });
      const rows = await sql.unsafe<{ result: unknown }[]>(text, params as postgres.ParameterOrJSON<never>[]);
      return rows[0]?.result ?? null;
    },
    close() {
      closing ??= sql.end({ timeout: 5 });
      return closing;
    },
  };
}
