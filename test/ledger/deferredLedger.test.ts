import { describe, expect, test } from "vitest";
import { deferredLedger } from "../../src/ledger/deferredLedger.js";
import type { Ledger } from "../../src/ledger/ledger.js";

const fakeLedger = (calls: string[]) =>
  ({
    kind: "postgres",
    budgetStatus: async (p: string) => {
      calls.push(`budgetStatus ${p}`);
      return null;
    },
    close: async () => {
      calls.push("close");
    },
  }) as unknown as Ledger;

describe("deferredLedger", () => {
  test("default: calls wait for the ledger, then go to it", async () => {
    const calls: string[] = [];
    let open!: (l: Ledger) => void;
    const ledger = deferredLedger(new Promise<Ledger>((r) => (open = r)), "pglite");
    expect(ledger.kind).toBe("pglite");
    const pending = ledger.budgetStatus("a");
    open(fakeLedger(calls));
    expect(await pending).toBeNull();
    expect(calls).toEqual(["budgetStatus a"]);
  });

  test("behavior: nothing opens before the first call or open(); open() resolves once it is open", async () => {
    const calls: string[] = [];
    let attempts = 0;
    const ledger = deferredLedger(async () => {
      attempts++;
      return fakeLedger(calls);
    }, "pglite");
    await new Promise((r) => setTimeout(r, 10));
    expect(attempts).toBe(0);
    await ledger.open();
    await ledger.open();
    expect(attempts).toBe(1);
    expect(await ledger.budgetStatus("a")).toBeNull();
    expect(attempts).toBe(1);
  });

  test("behavior: open() rejects when opening fails, and the next call tries again", async () => {
    let attempts = 0;
    const ledger = deferredLedger(async () => {
      if (++attempts === 1) throw new Error("connection refused");
      return fakeLedger([]);
    }, "postgres");
    expect((await ledger.open().catch((x) => x)).code).toBe("LEDGER_UNAVAILABLE");
    await ledger.open();
    expect(attempts).toBe(2);
  });

  test("behavior: given a function, a failed open fails closed and the next call opens again", async () => {
    const calls: string[] = [];
    let attempts = 0;
    const ledger = deferredLedger(async () => {
      if (++attempts === 1) throw new Error("connection refused");
      return fakeLedger(calls);
    }, "postgres");
    const e = await ledger.budgetStatus("a").catch((x) => x);
    expect(e.code).toBe("LEDGER_UNAVAILABLE");
    expect(await ledger.budgetStatus("b")).toBeNull();
    expect(await ledger.budgetStatus("c")).toBeNull();
    expect(attempts).toBe(2); // opened once it worked, then kept
    expect(calls).toEqual(["budgetStatus b", "budgetStatus c"]);
  });

  test("behavior: given a promise, a failed open stays failed; close uses the given closer", async () => {
    const closed: string[] = [];
    const ledger = deferredLedger(Promise.reject(new Error("no")), "pglite", async () => {
      closed.push("closer");
    });
    expect((await ledger.budgetStatus("a").catch((x) => x)).code).toBe("LEDGER_UNAVAILABLE");
    expect((await ledger.budgetStatus("a").catch((x) => x)).code).toBe("LEDGER_UNAVAILABLE");
    await ledger.close();
    expect(closed).toEqual(["closer"]);
  });
});
