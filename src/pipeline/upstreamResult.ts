import { deny } from "../denial.js";
import type { Ledger, SpendRow } from "../ledger/ledger.js";
import { stripResponseHeaders } from "../upstream/headers.js";
import { readCappedBody } from "../upstream/readCappedBody.js";
import type { Outcome, UpstreamResult } from "./context.js";

/** Read an upstream response within the size cap; set-cookie and hop-by-hop headers never reach the model. */
export async function readUpstream(res: Response, maxBytes: number): Promise<UpstreamResult> {
  const { bytes, truncated } = await readCappedBody(res, maxBytes);
  const setsCookie = res.headers.has("set-cookie") || res.headers.has("set-cookie2");
  return { status: res.status, headers: stripResponseHeaders(res.headers), body: bytes, truncated, setsCookie };
}

interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  bodyBase64: string;
  truncated: boolean;
}

/** What the ledger keeps of a paid response, so a retry with the same idempotency key gets what was bought. */
export const snapshot = (r: UpstreamResult): StoredResponse => ({
  status: r.status,
  headers: r.headers,
  bodyBase64: Buffer.from(r.body).toString("base64"),
  truncated: r.truncated,
});

const restore = (s: StoredResponse): UpstreamResult => ({
  status: s.status,
  headers: s.headers,
  body: new Uint8Array(Buffer.from(s.bodyBase64, "base64")),
  truncated: s.truncated,
});

/**
 * A retry of a request whose idempotency key was already used: wait for the first attempt to finish, then
 * answer with its outcome. It never pays again.
 */
export async function replayOutcome(ledger: Ledger, row: SpendRow, waitMs: number): Promise<Outcome> {
  const deadline = Date.now() + waitMs;
  let current: SpendRow | null = row;
  while (current && (current.status === "reserved" || current.status === "signed") && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    current = await ledger.getSpend(row.id);
  }
  if (!current) throw new Error(`spend row ${row.id} vanished`);
  const details = { receiptId: current.id, idempotencyKey: current.idempotencyKey, status: current.status };
  if (current.status === "settled") {
    const response = current.response
      ? restore(current.response as StoredResponse)
      : { status: 200, headers: {}, body: new Uint8Array(), truncated: false };
    const payment = {
      amount: current.amount,
      asset: current.quote.asset,
      network: current.quote.network,
      payTo: current.quote.payTo,
      payer: current.authorization?.payer ?? "",
      txHash: current.txHash,
      x402Version: current.quote.x402Version,
    };
    return { kind: "response", response, payment, spend: current, replayed: true };
  }
  if (current.status === "released" || current.status === "expired") {
    return deny(
      "PAYMENT_FAILED",
      "The earlier attempt with this idempotencyKey was not paid. Use a new idempotencyKey to try again.",
      details,
    );
  }
  return deny(
    "PAYMENT_OUTCOME_UNKNOWN",
    "An earlier call with this idempotencyKey signed a payment whose outcome is not known yet; nothing more was paid.",
    details,
  );
}
