import { Pag0Error } from "../errors.js";
import type { SpendStatus } from "./ledger.js";

export type SpendStateReason = "not_found" | "invalid_transition" | "nonce_mismatch" | "tx_hash_mismatch";

/**
 * The ledger refused to move a spend row (it does not exist, or its status forbids the step, e.g. signing an
 * expired reservation). Nothing changed. A bug or a lost race, never an outage: callers must not pay on it.
 */
export class SpendStateError extends Pag0Error {
  readonly spendId: string;
  readonly reason: SpendStateReason;
  /** the row's status when it was refused; null if there is no such row */
  readonly status: SpendStatus | null;

  constructor(spendId: string, action: string, reason: SpendStateReason, status: SpendStatus | null) {
    const why = status === null ? reason.replaceAll("_", " ") : `${reason.replaceAll("_", " ")}, it is ${status}`;
    super("INTERNAL", `Spend ${spendId} cannot be ${action} (${why}).`, {
      details: { spendId, action, reason, status },
    });
    this.spendId = spendId;
    this.reason = reason;
    this.status = status;
  }
}
