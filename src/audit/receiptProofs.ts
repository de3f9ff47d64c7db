import type { AuditStore } from "../ledger/auditStore.js";
import { buildProofBundle, type ProofBundle } from "./proofBundle.js";

export interface ReceiptProofs {
  /** one per receipt of the row that is sealed into a batch (anchored or on its way) */
  bundles: ProofBundle[];
  /** receipts still waiting for a batch: no proof exists yet */
  queued: { entry: string; kind: string }[];
}

/** The proof bundles of a ledger row's receipts (the tools' receiptId), as `pag0 audit verify <receiptId>` prints. */
export async function receiptProofs(
  store: Pick<AuditStore, "auditReceipts" | "auditBatch">,
  receiptId: string,
): Promise<ReceiptProofs> {
  const out: ReceiptProofs = { bundles: [], queued: [] };
  for (const stored of await store.auditReceipts({ receiptId })) {
    const sealed = stored.batch && (await store.auditBatch(stored.batch.batchId));
    if (sealed) out.bundles.push(buildProofBundle(stored, sealed));
    else out.queued.push({ entry: stored.entry, kind: stored.kind });
  }
  return out;
}
