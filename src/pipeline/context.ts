import type { PaymentRequired } from "@x402/core/types";
import type { Logger } from "pino";
import type { Denial } from "../denial.js";
import type { BudgetStatus, SpendRow } from "../ledger/ledger.js";
import type { Quote, QuoteRules } from "../policy/quoteRules.js";

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
  /** precheck could not read the principal's own host lists from the ledger: a free answer may pass, no payment */
  hostPolicyUnread?: boolean;
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
  /** the origin that answered, when redirects led away from the one the agent asked for */
  answeredBy?: string;
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

/**
 * A 402 the quote stage read and screened: the options policy allows, handed up to the payment stage. It never
 * leaves the pipeline; what the tool gets is an Outcome.
 */
export interface Quoted {
  kind: "quoted";
  paymentRequired: PaymentRequired;
  /** the options policy allows, best first; the x402 client picks among these only */
  allowed: Quote[];
  /** the rules of this call (the policy's, with the agent's own maxPrice) */
  rules: QuoteRules;
}

/** What a stage answers: an Outcome, or a quote on its way to the payment stage. */
export type StageOutcome = Outcome | Quoted;
