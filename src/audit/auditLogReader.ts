import { type Address, type Hex, type PublicClient, zeroHash } from "viem";
import { paymentAuditLogAbi } from "./paymentAuditLogAbi.js";

export interface AuditLogHead {
  lastBatchId: bigint;
  lastSeq: bigint;
  lastRoot: Hex;
  agentId: bigint;
  operator: Address;
}

export interface AnchoredBatch {
  root: Hex;
  fromSeq: bigint;
  toSeq: bigint;
  anchoredAt: bigint;
  blockNumber: bigint;
}

/** Reads of PaymentAuditLog's state: each one eth_call against latest state (what SKALE's full nodes serve). */
export function auditLogReader(client: PublicClient, contract: Address) {
  return {
    async head(): Promise<AuditLogHead> {
      const [lastBatchId, lastSeq, lastRoot, agentId, operator] = await client.readContract({
        address: contract,
        abi: paymentAuditLogAbi,
        functionName: "head",
      });
      return { lastBatchId, lastSeq, lastRoot, agentId, operator };
    },

    /** The anchored batch, or null while `batchId` is not anchored. */
    async batch(batchId: bigint): Promise<AnchoredBatch | null> {
      const [root, fromSeq, toSeq, anchoredAt, blockNumber] = await client.readContract({
        address: contract,
        abi: paymentAuditLogAbi,
        functionName: "batches",
        args: [batchId],
      });
      return root === zeroHash ? null : { root, fromSeq, toSeq, anchoredAt, blockNumber };
    },

    /** The transaction that anchored `batchId`, from its BatchAnchored event in the block the contract recorded. */
    async anchorTx(batchId: bigint, blockNumber: bigint): Promise<Hex | null> {
      const logs = await client
        .getContractEvents({
          address: contract,
          abi: paymentAuditLogAbi,
          eventName: "BatchAnchored",
          args: { batchId },
          fromBlock: blockNumber,
          toBlock: blockNumber,
        })
        .catch(() => []); // SKALE full nodes may not serve historical logs: the stored hash stands
      return logs[0]?.transactionHash ?? null;
    },
  };
}
