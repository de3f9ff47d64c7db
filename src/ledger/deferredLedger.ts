import { LedgerUnavailableError } from "../errors.js";
import type { Ledger } from "./ledger.js";

/**
 * A ledger that is still opening (PGlite's first start takes seconds): the server can answer `initialize` at
 * once, and every call waits for the ledger. If opening failed, every call fails closed.
 */
export function deferredLedger(opening: Promise<Ledger>, kind: Ledger["kind"]): Ledger {
  const ready = opening.catch((e) => {
    throw e instanceof LedgerUnavailableError ? e : new LedgerUnavailableError(e);
  });
  ready.catch(() => {}); // reported on use, not as an unhandled rejection
  const call =
    <K extends keyof Ledger>(name: K) =>
    async (...args: unknown[]) =>
      ((await ready)[name] as (...a: unknown[]) => unknown)(...args);
  return {
    kind,
    upsertPrincipal: call("upsertPrincipal"),
    reserve: call("reserve"),
    markSigned: call("markSigned"),
    settle: call("settle"),
    release: call("release"),
    markUnknown: call("markUnknown"),
    getSpend: call("getSpend"),
    listSpend: call("listSpend"),
    budgetStatus: call("budgetStatus"),
    pendingOutcomes: call("pendingOutcomes"),
    expireReservations: call("expireReservations"),
    close: async () => (await opening.catch(() => null))?.close(),
  } as Ledger;
}
