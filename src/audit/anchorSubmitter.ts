import type { Logger } from "pino";
import {
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  type LocalAccount,
  type PublicClient,
  parseTransaction,
} from "viem";
import type { AuditBatch, AuditStore } from "../ledger/auditStore.js";
import type { auditLogReader } from "./auditLogReader.js";
import type { AuditMetrics } from "./auditMetrics.js";
import { feedbackOf } from "./feedback.js";
import { paymentAuditLogAbi } from "./paymentAuditLogAbi.js";

export interface AnchorSubmitterDeps {
  store: AuditStore;
  client: PublicClient;
  chainId: number;
  contract: Address;
  signer: LocalAccount;
  log: Logger;
  metrics?: AuditMetrics;
  feedbackEvents: boolean;
  /** how long a submission waits for its transaction's receipt before leaving it to the next reconcile */
  confirmTimeoutMs: number;
  afterBroadcast?: (batch: AuditBatch, txHash: Hex) => Promise<void> | void;
}

export interface Submitted {
  batchId: bigint;
  txHash: Hex;
  /** mined and its root read back within this tick */
  confirmed: boolean;
}

export interface AnchorSubmitter {
  /** Sign, write ahead, broadcast, and wait briefly for the receipt; anything unfinished is reconciled later. */
  submit(b: AuditBatch, replace: boolean): Promise<Submitted>;
  /** The batch's root is on chain: record which transaction put it there (the one we sent, or a replacement). */
  confirm(b: AuditBatch, blockNumber: bigint): Promise<void>;
  /** Send signed bytes; a copy already in the pool or mined is not an error (the next tick decides from state). */
  broadcast(raw: Hex): Promise<void>;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);

const BENIGN_BROADCAST = /already known|known transaction|nonce too low|underpriced|already imported/i;

/** The transaction side of the anchorer: anchorBatch calldata, gas and nonce, the write-ahead, the receipt. */
export function anchorSubmitter(deps: AnchorSubmitterDeps, reader: ReturnType<typeof auditLogReader>): AnchorSubmitter {
  const { store, client, signer, log } = deps;

  async function submit(b: AuditBatch, replace: boolean): Promise<Submitted> {
    const data = await anchorCalldata(b);
    const gasPrice = await client.getGasPrice();
    // +25% clears every node's replacement rule (+5% did not); capped, so repeated replacements cannot run away
    const bumped = replace && b.gasPrice !== null ? min((b.gasPrice * 125n) / 100n, gasPrice * 10n) : 0n;
    const previous = replace && b.rawTx ? parseTransaction(b.rawTx) : null;
    const nonce =
      previous?.nonce ?? (await client.getTransactionCount({ address: signer.address, blockTag: "pending" }));
    // a replacement keeps the gas limit: estimating it again would run after the transaction it replaces
    const gas = previous?.gas ?? (await estimate(data));
    const price = gasPrice > bumped ? gasPrice : bumped;
    const raw = await signer.signTransaction({
      type: "legacy",
      chainId: deps.chainId,
      nonce,
      gasPrice: price,
      gas,
      to: deps.contract,
      data,
    });
    const txHash = keccak256(raw);
    const written = await store.markAuditSubmitted(b.batchId, { nonce, txHash, rawTx: raw, gasPrice: price });
    if (!written) throw new Error(`batch ${b.batchId} is no longer open`);
    await broadcast(raw);
    await deps.afterBroadcast?.(written, txHash);
    log.info({ batchId: b.batchId.toString(), txHash, leaves: b.leafCount, replace }, "audit batch broadcast");

    const receipt = await client
      .waitForTransactionReceipt({ hash: txHash, timeout: deps.confirmTimeoutMs, retryCount: 0 })
      .catch(() => null);
    let confirmed = false;
    if (receipt?.status === "success") {
      const onChain = await reader.batch(b.batchId);
      confirmed = onChain?.root.toLowerCase() === b.root.toLowerCase();
      if (confirmed) {
        await store.markAuditConfirmed(b.batchId, {
          txHash,
          blockNumber: receipt.blockNumber,
          gasUsed: receipt.gasUsed,
        });
        countConfirmed(b);
      }
    } else if (receipt) {
      await store.noteAuditBatch(b.batchId, `anchor transaction ${txHash} reverted`);
    }
    return { batchId: b.batchId, txHash, confirmed };
  }

  async function estimate(data: Hex): Promise<bigint> {
    const gas = await client.estimateGas({ account: signer.address, to: deps.contract, data });
    return (gas * 6n) / 5n + 10_000n;
  }

  async function anchorCalldata(b: AuditBatch): Promise<Hex> {
    const common = [b.batchId, b.root, b.fromSeq, b.toSeq, b.leafCount, ""] as const;
    if (!deps.feedbackEvents)
      return encodeFunctionData({ abi: paymentAuditLogAbi, functionName: "anchorBatch", args: common });
    const sealed = await store.auditBatch(b.batchId, { receipts: true });
    const feedback = (sealed?.receipts ?? []).map((r) => feedbackOf(r.receipt, r.receiptHash));
    return encodeFunctionData({
      abi: paymentAuditLogAbi,
      functionName: "anchorBatchWithFeedback",
      args: [...common, feedback],
    });
  }

  async function confirm(b: AuditBatch, blockNumber: bigint): Promise<void> {
    const mined = b.txHash ? await client.getTransactionReceipt({ hash: b.txHash }).catch(() => null) : null;
    const txHash = mined?.status === "success" ? b.txHash : await reader.anchorTx(b.batchId, blockNumber);
    await store.markAuditConfirmed(b.batchId, {
      txHash: txHash ?? b.txHash,
      blockNumber,
      gasUsed: mined?.status === "success" ? mined.gasUsed : null,
    });
    countConfirmed(b);
    log.info({ batchId: b.batchId.toString(), txHash }, "audit batch confirmed from contract state");
  }

  function countConfirmed(b: AuditBatch): void {
    deps.metrics?.anchoredBatches.inc();
    deps.metrics?.anchoredReceipts.inc(b.leafCount);
  }

  async function broadcast(raw: Hex): Promise<void> {
    try {
      await client.sendRawTransaction({ serializedTransaction: raw });
    } catch (e) {
      // the same bytes already in the pool or mined, or the chain is down: the next tick decides from state
      if (!BENIGN_BROADCAST.test(String((e as Error).message))) throw e;
    }
  }

  return { submit, confirm, broadcast };
}
