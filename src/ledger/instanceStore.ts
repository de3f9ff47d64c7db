/**
 * Leases of the processes that sign payments, in the ledger's database: while an instance's lease is fresh its
 * signed rows may still be in flight, once it lapses the reconciler decides them (supabase/sql/instances). Part of
 * the Ledger port.
 */
export interface InstanceStore {
  /** Takes or renews `id`'s lease until `ttlSeconds` from now, by the database's clock; returns when it ends. */
  instanceHeartbeat(id: string, ttlSeconds: number): Promise<Date>;
  /** Gives the lease up on a clean stop: rows this instance left signed are decided at once. */
  instanceRelease(id: string): Promise<void>;
}

/** Who signs a payment: `markSigned` renews this instance's lease in the same transaction. */
export interface Signer {
  instance: string;
  leaseSeconds: number;
}
