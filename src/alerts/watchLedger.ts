import { LedgerUnavailableError } from "../errors.js";
import type { Ledger } from "../ledger/ledger.js";
import type { Alerter } from "./alerter.js";

/**
 * `ledger` as it was, with every call's outcome watched: the first LEDGER_UNAVAILABLE after an answer alerts
 * `ledger_down`, the first answer after that `ledger_up`. Transitions only, so an outage alerts twice however many
 * calls fail during it; the calls themselves and their errors pass through untouched (the promise returned is the
 * ledger's own).
 * @example const ledger = watchLedger(openLedger(config, log).ledger, alerter);
 */
export function watchLedger<L extends Ledger>(ledger: L, alerter: Alerter, now: () => number = Date.now): L {
  let downSince: number | null = null;
  let outages = 0;
  const answered = () => {
    if (downSince === null) return;
    const downSeconds = Math.round((now() - downSince) / 1000);
    downSince = null;
    alerter.notify({ kind: "ledger_up", ledger: ledger.kind, outage: outages, downSeconds });
  };
  const failed = (e: unknown) => {
    if (!(e instanceof LedgerUnavailableError) || downSince !== null) return;
    downSince = now();
    alerter.notify({ kind: "ledger_down", ledger: ledger.kind, outage: ++outages });
  };
  // every method of the port, whatever it grows to (as deferredLedger does); `close` is not an answer
  return new Proxy(ledger, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function" || name === "close") return value;
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        if (result instanceof Promise) result.then(answered, failed);
        return result;
      };
    },
  });
}
