import * as z from "zod";
import type { AuditBatch, AuditState, AuditStore } from "./auditStore.js";
import type { LedgerFunction, SqlArgs } from "./sqlClient.js";
import { atomic, instant } from "./sqlValues.js";

type Call = <S extends z.ZodType>(fn: LedgerFunction, args: SqlArgs, schema: S) => Promise<z.output<S>>;

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/) as unknown as z.ZodType<`0x${string}`>;
const receiptJson = z.record(z.string(), z.unknown());
/** a ledger row's id, or `d<entry>` for a denial's receipt */
const RECEIPT_ID = /^d?\d{1,18}$/;
const RECEIPT_HASH = /^0x[0-9a-fA-F]{64}$/;

const batch = z
  .object({
    batch_id: atomic,
    chain_id: z.string().regex(/^\d+$/).transform(Number),
    contract: z.string(),
    agent_id: atomic,
    from_seq: atomic,
    to_seq: atomic,
    leaf_count: z.number().int(),
    root: hex,
    status: z.enum(["built", "submitted", "confirmed"]),
    nonce: z.string().regex(/^\d+$/).transform(Number).nullable(),
    tx_hash: hex.nullable(),
    raw_tx: hex.nullable(),
    gas_price: atomic.nullable(),
    attempts: z.number().int(),
    block_number: atomic.nullable(),
    gas_used: atomic.nullable(),
    last_error: z.string().nullable(),
    created_at: instant,
    submitted_at: instant.nullable(),
    confirmed_at: instant.nullable(),
  })
  .transform(
    (b): AuditBatch => ({
      batchId: b.batch_id,
      chainId: b.chain_id,
      contract: b.contract,
      agentId: b.agent_id,
      fromSeq: b.from_seq,
      toSeq: b.to_seq,
      leafCount: b.leaf_count,
      root: b.root,
      status: b.status,
      nonce: b.nonce,
      txHash: b.tx_hash,
      rawTx: b.raw_tx,
      gasPrice: b.gas_price,
      attempts: b.attempts,
      blockNumber: b.block_number,
      gasUsed: b.gas_used,
      lastError: b.last_error,
      createdAt: b.created_at,
      submittedAt: b.submitted_at,
      confirmedAt: b.confirmed_at,
    }),
  );

const queue = z
  .object({
    last_batch_id: atomic,
    last_seq: atomic,
    contract: z.string().nullable(),
    in_flight: z.boolean(),
    queued: z.number().int(),
    oldest_at: instant.nullable(),
    entries: z.array(z.object({ entry: z.string(), receipt: receiptJson })),
  })
  .transform((q) => ({
    lastBatchId: q.last_batch_id,
    lastSeq: q.last_seq,
    contract: q.contract,
    inFlight: q.in_flight,
    queued: q.queued,
    oldestAt: q.oldest_at,
    entries: q.entries,
  }));

const storedReceipt = z
  .object({
    entry: z.string(),
    kind: z.enum(["settlement", "release", "denial"]),
    receipt: receiptJson,
    created_at: instant,
    seq: atomic.nullable(),
    receipt_hash: hex.nullable(),
    leaf_hash: hex.nullable(),
    batch: batch.nullable(),
  })
  .transform((r) => ({
    entry: r.entry,
    kind: r.kind,
    receipt: r.receipt,
    createdAt: r.created_at,
    seq: r.seq,
    receiptHash: r.receipt_hash,
    leafHash: r.leaf_hash,
    batch: r.batch,
  }));

const auditState = z.object({
  receipt_id: z.string(),
  status: z.enum(["none", "queued", "submitted", "anchored"]),
  batch_id: z.string().nullable(),
  anchor_tx: z.string().nullable(),
});

const backlog = z
  .object({
    queued: z.number().int(),
    unanchored: z.number().int(),
    oldest_unanchored_at: instant.nullable(),
    last_confirmed: batch.nullable(),
    open_batches: z.number().int(),
  })
  .transform((b) => ({
    queued: b.queued,
    unanchored: b.unanchored,
    oldestUnanchoredAt: b.oldest_unanchored_at,
    lastConfirmed: b.last_confirmed,
    openBatches: b.open_batches,
  }));

const sealedBatch = z
  .object({
    batch,
    leaves: z.array(hex),
    receipts: z.array(z.object({ entry: z.string(), receipt: receiptJson, receipt_hash: hex })).nullable(),
  })
  .nullable()
  .transform(
    (s) =>
      s && {
        batch: s.batch,
        leaves: s.leaves,
        receipts: s.receipts?.map((r) => ({ entry: r.entry, receipt: r.receipt, receiptHash: r.receipt_hash })) ?? null,
      },
  );

const createResult = z.union([
  z.object({ ok: z.literal(true), batch }),
  z.object({ ok: z.literal(false), reason: z.enum(["in_flight", "stale", "contract_mismatch"]) }),
]);

/** The AuditStore half of the ledger, over the same typed SQL call as the money functions. */
export function sqlAuditStore(call: Call): AuditStore {
  return {
    async recordDenial(input) {
      const written = await call(
        "record_denial",
        {
          p_principal: input.principal,
          p_request: input.request,
          p_quote: { ...input.quote, amount: input.quote.amount.toString() },
          p_code: input.code,
        },
        z.object({ entry: z.string(), receipt_id: z.string() }),
      );
      return { receiptId: written.receipt_id };
    },

    auditQueued: (limit) => call("audit_queued", { p_limit: limit }, queue),

    createAuditBatch: (b) =>
      call(
        "audit_create_batch",
        {
          p_batch: {
            batchId: b.batchId.toString(),
            fromSeq: b.fromSeq.toString(),
            root: b.root,
            chainId: b.chainId,
            contract: b.contract,
            agentId: b.agentId.toString(),
            leaves: b.leaves,
          },
        },
        createResult,
      ),

    markAuditSubmitted: (batchId, tx) =>
      call(
        "audit_mark_submitted",
        { p_batch_id: batchId, p_nonce: tx.nonce, p_tx_hash: tx.txHash, p_raw_tx: tx.rawTx, p_gas_price: tx.gasPrice },
        batch.nullable(),
      ),

    markAuditConfirmed: (batchId, at) =>
      call(
        "audit_mark_confirmed",
        {
          p_batch_id: batchId,
          p_tx_hash: at.txHash ?? undefined,
          p_block_number: at.blockNumber ?? undefined,
          p_gas_used: at.gasUsed ?? undefined,
        },
        batch.nullable(),
      ),

    noteAuditBatch: (batchId, error, rebuild = false) =>
      call("audit_note_batch", { p_batch_id: batchId, p_error: error, p_rebuild: rebuild }, batch.nullable()),

    openAuditBatches: () => call("audit_open_batches", {}, z.array(batch)),

    auditBatch: (batchId, options) =>
      call("audit_batch", { p_batch_id: batchId, p_receipts: options?.receipts ?? false }, sealedBatch),

    async auditReceipts(query) {
      if ("receiptId" in query && !RECEIPT_ID.test(query.receiptId)) return [];
      if ("receiptHash" in query && !RECEIPT_HASH.test(query.receiptHash)) return [];
      return call(
        "audit_receipts",
        "receiptId" in query ? { p_receipt_id: query.receiptId } : { p_receipt_hash: query.receiptHash },
        z.array(storedReceipt),
      );
    },

    async auditStatus(receiptIds) {
      const ids = receiptIds.filter((id) => RECEIPT_ID.test(id));
      const out = new Map<string, AuditState>();
      if (ids.length === 0) return out;
      const rows = await call("audit_status", { p_receipt_ids: ids.join(",") }, z.array(auditState));
      for (const r of rows) out.set(r.receipt_id, { status: r.status, batchId: r.batch_id, anchorTx: r.anchor_tx });
      return out;
    },

    auditBacklog: () => call("audit_backlog", {}, backlog),

    async settledTxHashes(txHashes) {
      const hashes = txHashes.filter((h) => RECEIPT_HASH.test(h));
      if (hashes.length === 0) return new Set();
      return new Set(await call("audit_settled_tx_hashes", { p_tx_hashes: hashes.join(",") }, z.array(z.string())));
    },
  };
}
