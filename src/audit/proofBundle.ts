import { SimpleMerkleTree, StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { Address, Hex, PublicClient } from "viem";
import type { ReceiptJson, SealedBatch, StoredReceipt } from "../ledger/auditStore.js";
import { auditLogReader } from "./auditLogReader.js";
import { paymentAuditLogAbi } from "./paymentAuditLogAbi.js";
import { receiptHash } from "./receiptHash.js";
import { LEAF_ENCODING, leafArgs, leafValues, type ReceiptLeaf, receiptLeaf } from "./receiptLeaf.js";

/**
 * Everything a third party needs to check one receipt with the contract ABI and any RPC of the audit chain:
 * recompute `receiptHash` from `receipt` (RFC 8785 + keccak256), rebuild the leaf, and check `proof` against the
 * root stored in `PaymentAuditLog.batches(batchId)` (one eth_call), or call `verifyReceipt` with the leaf.
 */
export interface ProofBundle {
  format: "pag0-receipt-proof/1";
  receipt: ReceiptJson;
  receiptHash: Hex;
  leafEncoding: string[];
  /** the leaf in `leafEncoding` order, integers as decimal strings */
  leaf: {
    seq: string;
    receiptHash: Hex;
    agentId: string;
    payTo: Address;
    asset: Address;
    amount: string;
    paymentTxHash: Hex;
  };
  proof: Hex[];
  batch: {
    batchId: string;
    root: Hex;
    fromSeq: string;
    toSeq: string;
    anchorTx: Hex | null;
    blockNumber: string | null;
  };
  chain: { chainId: number; contract: Address };
}

/** The bundle of a sealed receipt: the leaf comes from the stored receipt, the proof from the batch's leaf hashes. */
export function buildProofBundle(stored: StoredReceipt, sealed: SealedBatch): ProofBundle {
  const { batch } = sealed;
  if (stored.seq === null) throw new Error(`receipt ${stored.entry} is not sealed into a batch yet`);
  const index = Number(stored.seq - batch.fromSeq);
  const leaf = receiptLeaf(stored.seq, stored.receipt, receiptHash(stored.receipt), batch.agentId);
  // built from the stored leaf hashes, not from the receipts: one edited receipt cannot spoil its neighbours' proofs
  const proof = SimpleMerkleTree.of(sealed.leaves).getProof(index) as Hex[];
  return {
    format: "pag0-receipt-proof/1",
    receipt: stored.receipt,
    receiptHash: leaf.receiptHash,
    leafEncoding: [...LEAF_ENCODING],
    leaf: toJsonLeaf(leaf),
    proof,
    batch: {
      batchId: batch.batchId.toString(),
      root: batch.root,
      fromSeq: batch.fromSeq.toString(),
      toSeq: batch.toSeq.toString(),
      anchorTx: batch.status === "confirmed" ? batch.txHash : null,
      blockNumber: batch.blockNumber?.toString() ?? null,
    },
    chain: { chainId: batch.chainId, contract: batch.contract as Address },
  };
}

export interface BundleCheck {
  /** keccak256(JCS(receipt)) equals the bundle's and the leaf's receiptHash */
  receiptHash: boolean;
  /** the leaf's payTo, asset, amount and payment tx are the receipt's */
  leafMatchesReceipt: boolean;
  /** the proof leads from the leaf to the bundle's root (offline) */
  proofLocal: boolean;
  /** the bundle names the chain the verifier's RPC serves, and the contract the verifier trusts (null offline) */
  trustedAnchor: boolean | null;
  /** the trusted contract's operator and agentId are the ones the verifier expects and the leaf carries */
  contractIdentity: boolean | null;
  /** the root the trusted contract stores for the batch (one eth_call), or null offline */
  chainRoot: Hex | null;
  /** the proof leads to the root read on chain */
  proofAgainstChainRoot: boolean | null;
  /** PaymentAuditLog.verifyReceipt(...) via eth_call on the trusted contract */
  contractVerifies: boolean | null;
  /** every check passed, on chain included; false offline (nothing was read from a contract) */
  ok: boolean;
}

/**
 * What a verifier trusts: its own RPC of the audit chain and the PaymentAuditLog address the operator published,
 * and optionally the operator and agentId it expects. Never taken from the bundle.
 */
export interface TrustAnchor {
  client: PublicClient;
  contract: Address;
  operator?: Address;
  agentId?: bigint;
}

/**
 * Checks a bundle offline and, with a trust anchor, against the trusted contract. `ok` needs every check to pass,
 * the on-chain ones included: a bundle is VERIFIED only against a root read from the contract the verifier trusts.
 */
export async function verifyProofBundle(bundle: ProofBundle, anchor?: TrustAnchor): Promise<BundleCheck> {
  const recomputed = receiptHash(bundle.receipt);
  const leaf = fromJsonLeaf(bundle.leaf);
  const expected = receiptLeaf(leaf.seq, bundle.receipt, recomputed, leaf.agentId);
  const values = leafValues(leaf);
  const check: BundleCheck = {
    receiptHash: recomputed === bundle.receiptHash.toLowerCase() && recomputed === leaf.receiptHash.toLowerCase(),
    leafMatchesReceipt: leafValues(expected).join() === values.join(),
    proofLocal: safeVerify(bundle.batch.root, values, bundle.proof),
    trustedAnchor: null,
    contractIdentity: null,
    chainRoot: null,
    proofAgainstChainRoot: null,
    contractVerifies: null,
    ok: false,
  };
  if (anchor) {
    const sameContract = bundle.chain.contract?.toLowerCase() === anchor.contract.toLowerCase();
    check.trustedAnchor = sameContract && (await anchor.client.getChainId()) === bundle.chain.chainId;
    const reader = auditLogReader(anchor.client, anchor.contract);
    const head = await reader.head().catch(() => null);
    check.contractIdentity =
      head !== null &&
      head.agentId === leaf.agentId &&
      (anchor.agentId === undefined || head.agentId === anchor.agentId) &&
      (anchor.operator === undefined || head.operator.toLowerCase() === anchor.operator.toLowerCase());
    const batchId = BigInt(bundle.batch.batchId);
    const onChain = head && (await reader.batch(batchId));
    check.chainRoot = onChain?.root ?? null;
    check.proofAgainstChainRoot = onChain != null && safeVerify(onChain.root, values, bundle.proof);
    check.contractVerifies =
      head !== null &&
      (await anchor.client
        .readContract({
          address: anchor.contract,
          abi: paymentAuditLogAbi,
          functionName: "verifyReceipt",
          args: [batchId, ...leafArgs(leaf), bundle.proof],
        })
        .catch(() => false));
  }
  check.ok =
    check.receiptHash &&
    check.leafMatchesReceipt &&
    check.proofLocal &&
    check.trustedAnchor === true &&
    check.contractIdentity === true &&
    check.proofAgainstChainRoot === true &&
    check.contractVerifies === true;
  return check;
}

function safeVerify(root: Hex, values: string[], proof: Hex[]): boolean {
  try {
    return StandardMerkleTree.verify(root, [...LEAF_ENCODING], values, proof);
  } catch {
    return false; // a malformed bundle proves nothing
  }
}

function toJsonLeaf(l: ReceiptLeaf): ProofBundle["leaf"] {
  return { ...l, seq: l.seq.toString(), agentId: l.agentId.toString(), amount: l.amount.toString() };
}

function fromJsonLeaf(l: ProofBundle["leaf"]): ReceiptLeaf {
  return { ...l, seq: BigInt(l.seq), agentId: BigInt(l.agentId), amount: BigInt(l.amount) };
}
