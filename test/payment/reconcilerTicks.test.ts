import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.js";
import { createReconciler } from "../../src/payment/reconciler.js";
import { logSink } from "../support/logSink.js";
import { openTestLedger } from "../support/testLedger.js";

// What a reconciler tick costs the ledger when nothing is pending: it runs every 2 s in one instance.

let ledger: Ledger;
beforeAll(async () => {
  ledger = await openTestLedger();
});
afterAll(async () => {
  await ledger?.close();
});

/** The ledger, recording the name of every method called on it. */
function counting(calls: string[]): Ledger {
  return new Proxy(ledger, {
    get(target, name, receiver) {
      const v = Reflect.get(target, name, receiver);
      if (typeof v !== "function") return v;
      return (...a: unknown[]) => {
        calls.push(String(name));
        return v.apply(target, a);
      };
    },
  });
}

describe("createReconciler ticks", () => {
  test("default: with nothing pending a tick asks the ledger one thing; the reservation sweep runs every 30 s", async () => {
    const calls: string[] = [];
    let t = Date.now();
    const r = createReconciler({
      ledger: counting(calls),
      networks: new Map(),
      clientFor: () => {
        throw new Error("no chain is read with nothing pending");
      },
      log: logSink().log,
      signedGraceMs: 3_600_000,
      expirySkewSeconds: 30,
      now: () => new Date(t),
    });

    expect(await r.runOnce()).toEqual({ settled: 0, released: 0, undecided: 0, expired: 0 });
    expect(calls).toEqual(["expireReservations", "pendingOutcomes"]);
    calls.length = 0;
    for (let i = 0; i < 3; i++) {
      t += 2_000;
      await r.runOnce();
    }
    expect(calls).toEqual(["pendingOutcomes", "pendingOutcomes", "pendingOutcomes"]);
    t += 30_000;
    await r.runOnce();
    expect(calls.slice(3)).toEqual(["expireReservations", "pendingOutcomes"]);
  });
});
