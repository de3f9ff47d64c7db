import { deny } from "../denial.js";
import type { SpendRow } from "../ledger/ledger.js";
import type { CallContext, Outcome } from "./context.js";
import { type SettleDeps, settlePaid } from "./settlePaid.js";
import { restore, type StoredResponse } from "./upstreamResult.js";

/**
 * A retry of a request whose idempotency key was already used: wait for the first attempt to finish, then answer
 * with its outcome. It never signs again. When that outcome is unknown, the payment signed then is sent once more,
 * byte for byte: a server that honours `payment-identifier` answers with what it sold, and the chain can never take
 * the same authorization twice.
 */
export async function replayOutcome(
  deps: SettleDeps,
  ctx: CallContext,
  row: SpendRow,
  waitMs: number,
): Promise<Outcome> {
  const deadline = Date.now() + waitMs;
  let current: SpendRow | null = row;
  while (current && (current.status === "reserved" || current.status === "signed") && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    current = await deps.ledger.getSpend(row.id);
  }
  if (!current) throw new Error(`spend row ${row.id} vanished`);
  const details = { receiptId: current.id, idempotencyKey: current.idempotencyKey, status: current.status };
  if (current.status === "settled") return replayed(current);
  if (current.status === "released" || current.status === "expired") {
    return deny(
      "PAYMENT_FAILED",
      "The earlier attempt with this idempotencyKey was not paid. Use a new idempotencyKey to try again.",
      details,
    );
  }
  const sent = current.authorization;
  if (current.status === "unknown" && sent?.paymentHeaders) {
    ctx.progress?.("payment", "Sending the payment signed by the earlier attempt again");
    const quote = { ...current.quote, amount: current.amount, transferMethod: "eip3009", domain: null };
    return settlePaid(deps, ctx, current, { quote, headers: sent.paymentHeaders, authorization: sent });
  }
  return deny(
    "PAYMENT_OUTCOME_UNKNOWN",
    "An earlier call with this idempotencyKey signed a payment whose outcome is not known yet; nothing more was paid.",
    details,
  );
}

function replayed(row: SpendRow): Outcome {
  const response = row.response
    ? restore(row.response as StoredResponse)
    : { status: 200, headers: {}, body: new Uint8Array(), truncated: false };
  const payment = {
    amount: row.amount,
    asset: row.quote.asset,
    network: row.quote.network,
    payTo: row.quote.payTo,
    payer: row.authorization?.payer ?? "",
    txHash: row.txHash,
    x402Version: row.quote.x402Version,
  };
  return { kind: "response", response, payment, spend: row, replayed: true };
}
