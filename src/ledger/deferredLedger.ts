import { LedgerUnavailableError } from "../errors.js";
import type { Ledger } from "./ledger.js";

/** A ledger that opens on its first call, or when `open` is called (a server calls it once it can answer). */
export interface DeferredLedger extends Ledger {
  /** starts opening the ledger if it is not open or opening; resolves when it is, rejects if that failed */
  open(): Promise<void>;
}

/**
 * A ledger that is still opening (PGlite's first start takes seconds): the server can answer `initialize` first,
 * and every call waits for the ledger. Nothing opens before the first call or `open()`. If opening failed, every
 * call fails closed; given a function instead of a promise, the next call tries to open it again (one attempt at a
 * time), so a ledger that comes back later needs no restart. `close` (default: the opened ledger's) waits for an
 * open in progress.
 */
export function deferredLedger(
  open: Promise<Ledger> | (() => Promise<Ledger>),
  kind: Ledger["kind"],
  close?: () => Promise<void>,
): DeferredLedger {
  let opening: Promise<Ledger> | null = null;
  const start = (): Promise<Ledger> => {
    if (opening) return opening;
    const attempt: Promise<Ledger> = (typeof open === "function" ? open() : open).catch((e) => {
      if (typeof open === "function" && opening === attempt) opening = null;
      throw e instanceof LedgerUnavailableError ? e : new LedgerUnavailableError(e);
    });
    attempt.catch(() => {}); // reported on use, not as an unhandled rejection
    opening = attempt;
    return attempt;
  };
  // every method of the port, whatever it grows to: wait for the ledger, then call it
  return new Proxy({} as DeferredLedger, {
    get(_target, name) {
      if (name === "kind") return kind;
      if (name === "then") return undefined; // not a thenable
      if (name === "open") return async () => void (await start());
      if (name === "close") {
        return async () => {
          const ledger = await (opening ?? Promise.resolve(null)).catch(() => null);
          await (close ? close() : ledger?.close());
        };
      }
      return async (...args: unknown[]) => {
        const ledger = (await start()) as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>;
        return ledger[name]?.apply(ledger, args);
      };
    },
  });
}
