import * as z from "zod";
import type { InstanceStore } from "./instanceStore.js";
import type { LedgerFunction, SqlArgs } from "./sqlClient.js";
import { instant } from "./sqlValues.js";

type Call = <S extends z.ZodType>(fn: LedgerFunction, args: SqlArgs, schema: S) => Promise<z.output<S>>;

/** The instance leases over the ledger's SQL functions (supabase/sql/instances). */
export function sqlInstanceStore(call: Call): InstanceStore {
  return {
    async instanceHeartbeat(id, ttlSeconds) {
      if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) {
        throw new RangeError(`a lease must last a positive whole number of seconds, got ${ttlSeconds}`);
      }
      const r = await call(
        "instance_heartbeat",
        { p_id: id, p_ttl_seconds: ttlSeconds },
        z.object({ lease_until: instant }),
      );
      return r.lease_until;
    },
    async instanceRelease(id) {
      await call("instance_release", { p_id: id }, z.object({ released: z.boolean() }));
    },
  };
}
