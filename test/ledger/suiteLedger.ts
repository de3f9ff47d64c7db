import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import type { BudgetLimits, Ledger } from "../../src/ledger/ledger.js";

/**
 * The ledger of one contract suite (opened before its tests, closed after) and a maker of fresh principals on it.
 * Call inside `describe`.
 */
export function suiteLedger(make: () => Promise<Ledger>, limits: BudgetLimits) {
  let opened: Ledger | undefined;
  beforeAll(async () => {
    opened = await make();
  });
  afterAll(async () => {
    await opened?.close();
  });
  const ledger = (): Ledger => {
    if (!opened) throw new Error("the suite's ledger is not open yet");
    return opened;
  };
  return {
    ledger,
    async principal(): Promise<string> {
      const p = `p-${randomUUID()}`;
      await ledger().upsertPrincipal(p, limits);
      return p;
    },
  };
}
