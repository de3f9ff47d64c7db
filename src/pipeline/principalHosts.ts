import type { BudgetSnapshot } from "../ledger/budgetSnapshot.js";
import type { HostLists } from "../policy/hostRules.js";

export interface PrincipalHostLists {
  lists: HostLists;
  /**
   * read from the ledger now (within the snapshot's second); false when the ledger could not be read and `lists`
   * are the last ones seen (or none): enough to refuse or pass a free call, never enough to pay
   */
  fresh: boolean;
}

const NONE: HostLists = { allowedHosts: [], blockedHosts: [] };

/**
 * A principal's own host lists for precheck, from the budget snapshot paid_fetch reads anyway (at most one ledger
 * read per principal per second serves both). When the ledger cannot be read, the last lists seen for the
 * principal stand in, else none (the server-wide lists still apply), so a free call depends on the ledger no more
 * than it did; `fresh: false` tells the payment stage not to pay.
 */
export function principalHosts(
  budget: Pick<BudgetSnapshot, "get">,
  options: { maxPrincipals?: number } = {},
): (principal: string) => Promise<PrincipalHostLists> {
  const maxPrincipals = options.maxPrincipals ?? 10_000;
  const lastSeen = new Map<string, HostLists>();
  return async function principalHostsOf(principal) {
    try {
      const lists = (await budget.get(principal))?.policy ?? NONE;
      if (lastSeen.size >= maxPrincipals) lastSeen.clear();
      lastSeen.set(principal, lists);
      return { lists, fresh: true };
    } catch {
      return { lists: lastSeen.get(principal) ?? NONE, fresh: false };
    }
  };
}
