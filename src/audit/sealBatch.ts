import type { Logger } from "pino";
import type { Address, Hex } from "viem";
import type { AuditBatch, AuditStore } from "../ledger/auditStore.js";
import { receiptHash } from "./receiptHash.js";
import { leafValues, receiptLeaf, receiptTree } from "./receiptLeaf.js";

export interface SealBatchDeps {
  store: AuditStore;
  chainId: number;
  contract: Address;
  log: Logger;
  /** seal a batch when this many receipts wait… */
  batchSize: number;
  /** …or when the oldest has waited this long */
  batchIntervalMs: number;
}

/** What sealing left: a new batch to anchor, nothing due (or another anchorer sealed first), or a reason to halt. */
export type Sealing = { batch: AuditBatch } | { halt: string } | null;

/**
 * Seals the next gapless batch of queued receipts when one is due (full, old enough, or forced): the Merkle tree of
 * their leaves is built here and written with the batch in one store call, which refuses a stale or foreign seal.
 */
export async function sealBatch(
  deps: SealBatchDeps,
  options: { force: boolean; agentId: bigint; now: Date },
): Promise<Sealing> {
  const { store } = deps;
  const due = await store.auditQueued(0);
  if (due.inFlight || due.queued === 0) return null;
  const age = due.oldestAt ? options.now.getTime() - due.oldestAt.getTime() : 0;
  if (!options.force && due.queued < deps.batchSize && age < deps.batchIntervalMs) return null;

  const q = await store.auditQueued(deps.batchSize);
  if (q.entries.length === 0) return null;
  const fromSeq = q.lastSeq + 1n;
  const leaves = q.entries.map((e, i) =>
    receiptLeaf(fromSeq + BigInt(i), e.receipt, receiptHash(e.receipt), options.agentId),
  );
  const tree = receiptTree(leaves);
  const result = await store.createAuditBatch({
    batchId: q.lastBatchId + 1n,
    fromSeq,
    root: tree.root as Hex,
    chainId: deps.chainId,
    contract: deps.contract,
    agentId: options.agentId,
    leaves: leaves.map((l, i) => ({
      entry: q.entries[i]?.entry as string,
      receiptHash: l.receiptHash,
      leafHash: tree.leafHash(leafValues(l)) as Hex,
    })),
  });
  if (!result.ok) {
    if (result.reason === "contract_mismatch") {
      return { halt: `the audit log lives on ${q.contract}, but PAG0_AUDIT_CONTRACT is ${deps.contract}` };
    }
    return null; // another anchorer sealed first: reconcile on the next tick
  }
  deps.log.debug({ batchId: result.batch.batchId.toString(), leaves: leaves.length }, "sealed audit batch");
  return { batch: result.batch };
}
