import type { SqlClient } from "./sqlClient.js";

/** A ledger call that got no answer in time: the ledger counts as unavailable (sqlLedger fails closed on it). */
export class LedgerDeadlineError extends Error {
  override readonly name = "LedgerDeadlineError";
  readonly code = "LEDGER_DEADLINE";
}

/**
 * `client` with a deadline on every call: a ledger behind a path that keeps its sockets open but passes no bytes
 * (drivers only bound the connect) fails the call after `timeoutMs` instead of hanging it. What the call did not
 * finish is decided as for any outage: nothing is signed without its answer, and a write that lands later is
 * replay-safe or expires (ledger.ts).
 * @example const ledger = sqlLedger(withDeadline(openPostgres(url), 3_000));
 */
export function withDeadline<C extends SqlClient>(client: C, timeoutMs: number): C {
  return {
    ...client,
    call(fn, args) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new LedgerDeadlineError(`${fn} got no answer from the ledger within ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      return Promise.race([client.call(fn, args), late]).finally(() => clearTimeout(timer));
    },
  };
}
