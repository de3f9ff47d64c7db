import type { Logger } from "pino";
import type { SpendRow } from "../ledger/ledger.js";
import type { Denial } from "../policy/denial.js";

/** One paid_fetch call as it travels through the pipeline. */
export interface CallContext {
  principal: string;
  request: {
    method: string;
    url: URL;
    headers: Record<string, string>;
    body: string | undefined;
  };
  /** the caller's own per-call ceiling, atomic units */
  maxPrice: bigint | undefined;
  idempotencyKey: string;
  cacheMode: "default" | "bypass";
  signal: AbortSignal;
  log: Logger;
}

export interface UpstreamResult {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  truncated: boolean;
}

export interface PaymentInfo {
  amount: bigint;
  asset: string;
  network: string;
  payTo: string;
  payer: string;
  /** null while the settlement is not known (the reconciler will find it) */
  txHash: string | null;
  x402Version: number;
}

export interface Delivered {
  kind: "response";
  response: UpstreamResult;
  payment: PaymentInfo | null;
  /** the ledger row behind this call, if it paid (or replayed a paid call) */
  spend: SpendRow | null;
}

export type Outcome = Delivered | Denial;
