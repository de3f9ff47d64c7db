import type { SupabaseClient } from "@supabase/supabase-js";
import { type LedgerFunction, namedCall, type SqlArgs, type SqlClient } from "./sqlClient.js";

/** A PostgREST error (`{ code, message, details, hint }`) from `.rpc()`, e.g. 42501 for a refused function. */
export class SupabaseRpcError extends Error {
  override readonly name = "SupabaseRpcError";
  constructor(
    readonly fn: string,
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(`${fn}: ${message} (${code || status})`);
  }
}

// createClient() builds a RealtimeClient eagerly, which throws on Node 20 (no global WebSocket) unless it is
// given a transport; the ledger never uses realtime, so this one refuses to be used.
class NoRealtime {
  constructor() {
    throw new Error("Supabase realtime is not used by Pag0");
  }
}

/**
 * The ledger over Supabase's REST API: every call is `.rpc(fn, namedArgs)` with the service role key, which is
 * sent only to `url` and never logged. Migrations are applied with `supabase db push` or `pag0 migrate` on the
 * project's connection string, not from here.
 * @example const db = openSupabase({ url: "https://xyz.supabase.co", serviceRoleKey });
 */
export function openSupabase(options: { url: string; serviceRoleKey: string }): SqlClient {
  // loaded on first use: supabase-js is large, and only this adapter needs it
  let supabase: Promise<SupabaseClient> | null = null;
  const connect = () =>
    import("@supabase/supabase-js").then(({ createClient }) =>
      createClient(options.url, options.serviceRoleKey, {
        auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
        realtime: { transport: NoRealtime as never },
      }),
    );
  return {
    kind: "supabase",
    async call(fn: LedgerFunction, args: SqlArgs) {
      supabase ??= connect();
      const { data, error, status } = await (await supabase).rpc(fn, toJson(fn, args));
      if (error) throw new SupabaseRpcError(fn, error.code, error.message, status);
      return data ?? null;
    },
    async close() {},
  };
}

/** The named arguments as a JSON body, converted as for every adapter (bigint and Date become exact strings). */
function toJson(fn: LedgerFunction, args: SqlArgs): Record<string, unknown> {
  const names = Object.keys(args).filter((n) => args[n] !== undefined);
  const { params } = namedCall(fn, args, { jsonAsText: false });
  return Object.fromEntries(names.map((n, i) => [n, params[i]]));
}
