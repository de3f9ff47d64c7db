import type { BudgetStatus, Ledger } from "./ledger.js";

export interface BudgetSnapshot {
  /** The principal's budget, read at most `maxAgeMs` ago (one read serves every call in that window). */
  get(principal: string): Promise<BudgetStatus | null>;
  /** A fresh read, kept as the snapshot: after a payment, the caller sees its own spend. */
  refresh(principal: string): Promise<BudgetStatus | null>;
}

/** Per-principal budget snapshots, so that a free call or a cache hit does not wait on a ledger read of its own. */
export function budgetSnapshot(
  ledger: Pick<Ledger, "budgetStatus">,
  options: { maxAgeMs?: number; maxPrincipals?: number; now?: () => number } = {},
): BudgetSnapshot {
  const maxAgeMs = options.maxAgeMs ?? 1_000;
  const maxPrincipals = options.maxPrincipals ?? 10_000;
  const now = options.now ?? performance.now.bind(performance);
  const snapshots = new Map<string, { at: number; status: Promise<BudgetStatus | null> }>();

  function refresh(principal: string): Promise<BudgetStatus | null> {
    const status = ledger.budgetStatus(principal);
    if (snapshots.size >= maxPrincipals) snapshots.clear();
    const entry = { at: now(), status };
    snapshots.set(principal, entry);
    // a failed read is not kept: the next call reads again
    status.catch(() => {
      if (snapshots.get(principal) === entry) snapshots.delete(principal);
    });
    return status;
  }

  return {
    get(principal) {
      const entry = snapshots.get(principal);
      return entry && now() - entry.at < maxAgeMs ? entry.status : refresh(principal);
    },
    refresh,
  };
}
