import type { Logger } from "pino";
import type { Address, PublicClient } from "viem";
import type { AuditBatch, AuditStore } from "../ledger/auditStore.js";
import type { AnchorSubmitter } from "./anchorSubmitter.js";
import type { AuditLogHead, auditLogReader } from "./auditLogReader.js";

export interface ReconcileBatchDeps {
  store: AuditStore;
  client: PublicClient;
  contract: Address;
  /** the contract's operator: whose nonce the batch's transaction uses */
  operator: Address;
  log: Logger;
  reader: ReturnType<typeof auditLogReader>;
  submitter: Pick<AnchorSubmitter, "confirm" | "broadcast">;
  /** re-price a broadcast transaction still unmined after this long */
  replaceAfterMs: number;
  now: () => Date;
  /** called with the reason when the chain and the database disagree (then the answer is "halt") */
  halt(reason: string): void;
}

/** What to do with a sealed batch: it is on chain, (re)sign and send it, re-price it, wait for it, or stop. */
export type BatchAction = "confirmed" | "send" | "replace" | "wait" | "halt";

/** Decides a sealed but unconfirmed batch from contract state, never from a transaction hash alone. */
export function reconcileBatch(deps: ReconcileBatchDeps): (b: AuditBatch) => Promise<BatchAction> {
  const { store, client, reader, submitter, log } = deps;

  function followsHead(b: AuditBatch, head: AuditLogHead): boolean {
    if (head.lastBatchId === b.batchId - 1n && head.lastSeq === b.fromSeq - 1n) return true;
    deps.halt(
      `the contract is at batch ${head.lastBatchId} (seq ${head.lastSeq}), but the database's next batch is ` +
        `${b.batchId} from seq ${b.fromSeq}`,
    );
    return false;
  }

  return async function reconcile(b) {
    if (b.contract.toLowerCase() !== deps.contract.toLowerCase()) {
      deps.halt(`batch ${b.batchId} was sealed for ${b.contract}, but PAG0_AUDIT_CONTRACT is ${deps.contract}`);
      return "halt";
    }
    const onChain = await reader.batch(b.batchId);
    if (onChain) {
      if (onChain.root.toLowerCase() !== b.root.toLowerCase()) {
        deps.halt(`batch ${b.batchId} is anchored with root ${onChain.root}, but the database sealed ${b.root}`);
        return "halt";
      }
      await submitter.confirm(b, onChain.blockNumber);
      return "confirmed";
    }
    const head = await reader.head();
    if (!followsHead(b, head)) return "halt";
    if (b.status === "built" || b.nonce === null || b.rawTx === null) return "send";

    const used = await client.getTransactionCount({ address: deps.operator, blockTag: "latest" });
    if (used > b.nonce) {
      const again = await reader.batch(b.batchId); // mined between the two reads?
      if (again?.root.toLowerCase() === b.root.toLowerCase()) {
        await submitter.confirm(b, again.blockNumber);
        return "confirmed";
      }
      await store.noteAuditBatch(b.batchId, `nonce ${b.nonce} was used by another transaction; signing again`, true);
      log.warn({ batchId: b.batchId.toString(), nonce: b.nonce }, "anchor nonce taken elsewhere: signing again");
      return "send";
    }
    if (b.submittedAt && deps.now().getTime() - b.submittedAt.getTime() >= deps.replaceAfterMs) return "replace";
    await submitter.broadcast(b.rawTx); // dropped from the pool (or never sent before a crash): the same bytes again
    return "wait";
  };
}
