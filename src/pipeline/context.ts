import type { Logger } from "pino";
import type { Denial } from "../denial.js";
import type { BudgetStatus, SpendRow } from "../ledger/ledger.js";

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
  /** the agent chose `idempotencyKey` (a retry may reuse it); false when Pag0 made one up for this call */
  ownIdempotencyKey: boolean;
  cacheMode: "default" | "bypass";
  signal: AbortSignal;
  log: Logger;
  /** asks the human to approve one quote where the client can show a form (MCP elicitation) */
  elicitApproval?: (request: ApprovalPrompt) => Promise<"approved" | "declined" | "unsupported">;
  /** reports progress to a client that asked for it */
  progress?: (step: ProgressStep, message: string) => void;
}

/** What a human is asked to approve: exactly what will be signed, and where it came from. */
export interface ApprovalPrompt {
  amount: string;
  asset: string;
  network: string;
  payTo: string;
  url: string;
}

/** The stages of a paid call a client can follow, in order. */
export const PROGRESS_STEPS = ["quote", "approval", "payment", "settlement"] as const;
export type ProgressStep = (typeof PROGRESS_STEPS)[number];

export interface UpstreamResult {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  truncated: boolean;
  /** the upstream set cookies (the headers themselves are dropped): such a response is never cached */
  setsCookie?: boolean;
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
  /** an earlier call's outcome, replayed for a reused idempotency key (nothing new was bought) */
  replayed?: boolean;
  /** served from the paid-response cache: nothing was paid, `saved` is the price paid for it originally */
  cache?: { saved: bigint };
  /**
   * the principal's budget, read once this payment was reserved (it counts it already), while the paid request was
   * in flight: the call's own answer, off the response path; null if it could not be read
   */
  budget?: Promise<BudgetStatus | null>;
}

export type Outcome = Delivered | Denial;
