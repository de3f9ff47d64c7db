import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { type Address, getAddress, type Hex, isAddress, isHash, zeroAddress, zeroHash } from "viem";
import type { ReceiptJson } from "../ledger/auditStore.js";

/**
 * The Merkle leaf of a receipt: (seq, receiptHash, agentId, payTo, asset, amount, paymentTxHash). Field order and
 * types MUST match PaymentAuditLog.verifyReceipt, which rebuilds the same StandardMerkleTree leaf on chain.
 */
export const LEAF_ENCODING = ["uint64", "bytes32", "uint256", "address", "address", "uint256", "bytes32"] as const;

export interface ReceiptLeaf {
  seq: bigint;
  receiptHash: Hex;
  agentId: bigint;
  payTo: Address;
  asset: Address;
  amount: bigint;
  /** the settlement transaction; zero for releases, denials and settlements without a known tx */
  paymentTxHash: Hex;
}

const MAX_UINT256 = 2n ** 256n - 1n;

/**
 * The leaf of a sealed receipt. Fields a malicious 402 could make unencodable (a payTo that is not an address, an
 * absurd amount) become zero here; the receipt hash still commits to what the server actually sent.
 */
export function receiptLeaf(seq: bigint, receipt: ReceiptJson, hash: Hex, agentId: bigint): ReceiptLeaf {
  const quote = (receipt.quote ?? {}) as Record<string, unknown>;
  const settlement = (receipt.settlement ?? null) as Record<string, unknown> | null;
  const amount = typeof quote.amount === "string" && /^\d{1,78}$/.test(quote.amount) ? BigInt(quote.amount) : 0n;
  const txHash = settlement?.txHash;
  return {
    seq,
    receiptHash: hash,
    agentId,
    payTo: addressOrZero(quote.payTo),
    asset: addressOrZero(quote.asset),
    amount: amount <= MAX_UINT256 ? amount : 0n,
    paymentTxHash: typeof txHash === "string" && isHash(txHash) ? (txHash.toLowerCase() as Hex) : zeroHash,
  };
}

/** The leaf as StandardMerkleTree values (JSON-safe: integers as decimal strings), in LEAF_ENCODING order. */
export function leafValues(l: ReceiptLeaf): string[] {
  return [
    l.seq.toString(),
    l.receiptHash,
    l.agentId.toString(),
    l.payTo,
    l.asset,
    l.amount.toString(),
    l.paymentTxHash,
  ];
}

/** The leaf as PaymentAuditLog.verifyReceipt arguments (after batchId, before proof). */
export function leafArgs(l: ReceiptLeaf) {
  return [l.seq, l.receiptHash, l.agentId, l.payTo, l.asset, l.amount, l.paymentTxHash] as const;
}

/** A tree over these leaves; `root` and `leafHash` are what the contract checks. */
export function receiptTree(leaves: readonly ReceiptLeaf[]): StandardMerkleTree<string[]> {
  return StandardMerkleTree.of(leaves.map(leafValues), [...LEAF_ENCODING]);
}

function addressOrZero(value: unknown): Address {
  return typeof value === "string" && isAddress(value, { strict: false }) ? getAddress(value) : zeroAddress;
}
