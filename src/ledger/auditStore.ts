/**
 * The audit half of the ledger: receipts written by the ledger's own transactions (settle, release) and by
 * `recordDenial`, and the batches the anchorer seals and anchors on SKALE. The SQL lives in
 * supabase/sql/audit/ (applied by the migrations); `sqlAuditStore()` is its typed wrapper.
 */

export type ReceiptKind = "settlement" | "release" | "denial";

/** A receipt as stored: plain JSON (strings, small integers, null), hashed as RFC 8785 canonical JSON. */
export type ReceiptJson = Record<string, unknown>;

export interface QueuedReceipt {
  /** the outbox id, also inside the receipt */
  entry: string;
  receipt: ReceiptJson;
}

export interface AuditQueue {
  lastBatchId: bigint;
  lastSeq: bigint;
  /** the contract the last batch was anchored on, null before the first batch */
  contract: string | null;
  /** a sealed batch is not confirmed yet */
  inFlight: boolean;
  queued: number;
  oldestAt: Date | null;
  /** the oldest unsealed receipts, in outbox order */
  entries: QueuedReceipt[];
}

export type AuditBatchStatus = "built" | "submitted" | "confirmed";

export interface AuditBatch {
  batchId: bigint;
  chainId: number;
  contract: string;
  /** the contract's agentId, part of every leaf */
  agentId: bigint;
  fromSeq: bigint;
  toSeq: bigint;
  leafCount: number;
  root: `0x${string}`;
  status: AuditBatchStatus;
  nonce: number | null;
  txHash: `0x${string}` | null;
  rawTx: `0x${string}` | null;
  gasPrice: bigint | null;
  attempts: number;
  blockNumber: bigint | null;
  gasUsed: bigint | null;
  lastError: string | null;
  createdAt: Date;
  submittedAt: Date | null;
  confirmedAt: Date | null;
}

export interface NewAuditBatch {
  batchId: bigint;
  fromSeq: bigint;
  root: `0x${string}`;
  chainId: number;
  contract: string;
  agentId: bigint;
  /** in sequence order: leaves[i] gets seq fromSeq + i */
  leaves: { entry: string; receiptHash: `0x${string}`; leafHash: `0x${string}` }[];
}

export type CreateAuditBatchResult =
  | { ok: true; batch: AuditBatch }
  /** in_flight: a sealed batch is not confirmed; stale: another anchorer sealed first; contract_mismatch: the
   * log already lives on another contract */
  | { ok: false; reason: "in_flight" | "stale" | "contract_mismatch" };

export interface SealedBatch {
  batch: AuditBatch;
  leaves: `0x${string}`[];
  receipts: { entry: string; receipt: ReceiptJson; receiptHash: `0x${string}` }[] | null;
}

export interface StoredReceipt {
  entry: string;
  kind: ReceiptKind;
  receipt: ReceiptJson;
  createdAt: Date;
  seq: bigint | null;
  receiptHash: `0x${string}` | null;
  leafHash: `0x${string}` | null;
  batch: AuditBatch | null;
}

/** What list_spend shows per ledger row, from its latest receipt. */
export interface AuditState {
  /** none: no receipt (the payment is still open); queued: waiting to be anchored; submitted: anchor tx sent */
  status: "none" | "queued" | "submitted" | "anchored";
  batchId: string | null;
  anchorTx: string | null;
}

export interface AuditBacklog {
  /** not yet sealed into a batch */
  queued: number;
  /** queued, or in a batch not yet confirmed on chain */
  unanchored: number;
  oldestUnanchoredAt: Date | null;
  lastConfirmed: AuditBatch | null;
  openBatches: number;
}

export interface DenialReceiptInput {
  principal: string;
  /** host: for list_spend's host filter; not part of the receipt (its URL is) */
  request: { method: string; url: string; host: string; bodyHash: string | null; requestHash: string | null };
  quote: {
    scheme: string;
    network: string;
    asset: string;
    amount: bigint;
    payTo: string;
    x402Version: number;
    maxTimeoutSeconds: number;
  };
  /** the error code the caller got */
  code: string;
}

export interface AuditStore {
  /**
   * A receipt for a policy denial of a quote (nothing reserved or signed). Its `receiptId` is `d<entry>`: the
   * refused call returns it, list_spend lists it (status `refused`) and `pag0 audit verify` takes it.
   */
  recordDenial(input: DenialReceiptInput): Promise<{ receiptId: string }>;
  /** The head of the sealed sequence and up to `limit` unsealed receipts, oldest first. */
  auditQueued(limit: number): Promise<AuditQueue>;
  /** Seal a batch (gapless seq, hashes) as `built`; refused unless it follows the last batch exactly. */
  createAuditBatch(batch: NewAuditBatch): Promise<CreateAuditBatchResult>;
  /** Write-ahead: the signed anchor transaction, before it is broadcast. */
  markAuditSubmitted(
    batchId: bigint,
    tx: { nonce: number; txHash: `0x${string}`; rawTx: `0x${string}`; gasPrice: bigint },
  ): Promise<AuditBatch | null>;
  /** The batch's root was read on chain. */
  markAuditConfirmed(
    batchId: bigint,
    at: { txHash?: `0x${string}` | null; blockNumber?: bigint | null; gasUsed?: bigint | null },
  ): Promise<AuditBatch | null>;
  /** Record why a batch is stuck; `rebuild` sends it back to `built` (its nonce went to another transaction). */
  noteAuditBatch(batchId: bigint, error: string, rebuild?: boolean): Promise<AuditBatch | null>;
  /** Batches not confirmed yet, oldest first. */
  openAuditBatches(): Promise<AuditBatch[]>;
  /** A batch and its leaf hashes in sequence order; with `receipts`, also its receipts in that order. */
  auditBatch(batchId: bigint, options?: { receipts?: boolean }): Promise<SealedBatch | null>;
  /** The receipts of a ledger row or a denial (the tools' receiptId: `123` or `d45`), or the one with a receipt hash. */
  auditReceipts(query: { receiptId: string } | { receiptHash: string }): Promise<StoredReceipt[]>;
  /** Audit state per receipt id (ledger row or denial); ids without a receipt are `none`. */
  auditStatus(receiptIds: readonly string[]): Promise<Map<string, AuditState>>;
  auditBacklog(): Promise<AuditBacklog>;
  /** Which of these transaction hashes a settlement receipt names (lower-cased). */
  settledTxHashes(txHashes: readonly string[]): Promise<Set<string>>;
}
