import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import {
  decodeErrorResult,
  decodeEventLog,
  encodeFunctionData,
  type Hex,
  keccak256,
  toEventSelector,
  toHex,
  zeroHash,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { formatAbiItem } from "viem/utils";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { feedbackOf } from "../../src/audit/feedback.js";
import { paymentAuditLogAbi } from "../../src/audit/paymentAuditLogAbi.js";
import { loadPaymentAuditLogArtifact, paymentAuditLogSourcePath } from "../../src/audit/paymentAuditLogArtifact.js";
import { receiptHash } from "../../src/audit/receiptHash.js";
import { leafArgs, leafValues, type ReceiptLeaf, receiptLeaf, receiptTree } from "../../src/audit/receiptLeaf.js";
import { type AuditChain, startAuditChain } from "./auditChain.js";

/** ERC-8004 v2.0.0 ReputationRegistry `NewFeedback`, as in erc-8004-contracts `abis/ReputationRegistry.json`. */
const erc8004NewFeedbackAbi = [
  {
    type: "event",
    name: "NewFeedback",
    anonymous: false,
    inputs: [
      { name: "agentId", type: "uint256", indexed: true },
      { name: "clientAddress", type: "address", indexed: true },
      { name: "feedbackIndex", type: "uint64", indexed: false },
      { name: "value", type: "int128", indexed: false },
      { name: "valueDecimals", type: "uint8", indexed: false },
      { name: "indexedTag1", type: "string", indexed: true },
      { name: "tag1", type: "string", indexed: false },
      { name: "tag2", type: "string", indexed: false },
      { name: "endpoint", type: "string", indexed: false },
      { name: "feedbackURI", type: "string", indexed: false },
      { name: "feedbackHash", type: "bytes32", indexed: false },
    ],
  },
] as const;
/** topic0 of the reference event (research notes, checked against the reference ABI) */
const ERC8004_NEW_FEEDBACK_TOPIC = "0x6a4a61743519c9d648a14e6493f47dbe3ff1aa29e7785c96c8326a205e58febc";

let audit: AuditChain;

beforeAll(async () => {
  audit = await startAuditChain();
});
afterAll(async () => {
  await audit?.stop();
});

/** A receipt shaped like the ones the ledger writes. */
function receipt(n: number, overrides: Record<string, unknown> = {}) {
  return {
    v: 1,
    entry: String(n),
    kind: "settlement",
    receiptId: String(n),
    at: "2026-11-26T00:00:00.000000Z",
    principal: "local",
    request: { method: "GET", url: `https://api.example.com/q?i=${n}`, bodyHash: "e3b0", requestHash: "ab" },
    quote: {
      scheme: "exact",
      network: "eip155:84532",
      asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
      amount: String(1000 + n),
      payTo: `0x${n.toString(16).padStart(40, "0")}`,
      x402Version: 2,
      maxTimeoutSeconds: 60,
      authorizationNonce: keccak256(toHex(`nonce${n}`)),
    },
    policy: { decision: "allow", limits: { perRequest: "100000", daily: "1000000", monthly: "10000000" } },
    settlement: { txHash: keccak256(toHex(`tx${n}`)), payer: "0x00000000000000000000000000000000000000aa" },
    code: null,
    ...overrides,
  };
}

/** Leaves for seq from..from+n-1 under `agentId`. */
function leaves(from: number, n: number, agentId = audit.agentId): ReceiptLeaf[] {
  return Array.from({ length: n }, (_, i) => {
    const r = receipt(from + i);
    return receiptLeaf(BigInt(from + i), r, receiptHash(r), agentId);
  });
}

async function send(
  functionName: "anchorBatch" | "anchorBatchWithFeedback",
  args: readonly unknown[],
  from = audit.operator,
) {
  const data = encodeFunctionData({ abi: paymentAuditLogAbi, functionName, args } as never);
  // simulate first: a revert surfaces as a decoded custom error
  await audit.client.call({ account: from.address, to: audit.contract, data });
  const hash = await audit.client.sendRawTransaction({
    serializedTransaction: await from.signTransaction({
      type: "legacy",
      chainId: audit.chain.chainId,
      nonce: await audit.client.getTransactionCount({ address: from.address, blockTag: "pending" }),
      gasPrice: await audit.client.getGasPrice(),
      gas: 5_000_000n,
      to: audit.contract,
      data,
    }),
  });
  return audit.client.waitForTransactionReceipt({ hash });
}

/** The custom error a call reverts with (hardhat puts the revert data in the RPC error's `data.data`). */
async function revertName(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
  } catch (e) {
    for (let err: unknown = e; err; err = (err as { cause?: unknown }).cause) {
      const data = (err as { data?: { data?: unknown } }).data?.data;
      if (typeof data === "string") return decodeErrorResult({ abi: paymentAuditLogAbi, data: data as Hex }).errorName;
    }
    throw e;
  }
  return undefined;
}

describe("PaymentAuditLog artifact", () => {
  test("default: the committed artifact was built from the committed source, for istanbul", () => {
    const artifact = loadPaymentAuditLogArtifact();
    const source = readFileSync(paymentAuditLogSourcePath, "utf8");
    expect(artifact.sourceSha256).toBe(createHash("sha256").update(source).digest("hex"));
    expect(artifact.settings.evmVersion).toBe("istanbul");
  });

  test("behavior: the typed ABI is exactly the compiled one", () => {
    // names, types, indexing, outputs and mutability; solc's internalType, spelled-out defaults and order do not matter
    const omit = (k: string, v: unknown) =>
      k === "internalType" || ((k === "indexed" || k === "anonymous") && v === false) || (k === "name" && v === "");
    const normalize = (abi: readonly unknown[]) =>
      abi
        .map((item) => JSON.stringify(item, (k, v) => (omit(k, v) ? undefined : v)))
        .map((json) => JSON.parse(json) as Record<string, unknown>)
        .sort((a, b) => `${a.type}${a.name}`.localeCompare(`${b.type}${b.name}`));
    expect(normalize(paymentAuditLogAbi)).toEqual(normalize(loadPaymentAuditLogArtifact().abi));
  });
});

describe("PaymentAuditLog", () => {
  test("default: a batch root is stored, and every receipt of it verifies on chain and off chain", async () => {
    const batch = leaves(1, 5);
    const tree = receiptTree(batch);
    const receiptTx = await send("anchorBatch", [1n, tree.root, 1n, 5n, 5, ""]);
    expect(receiptTx.status).toBe("success");

    const head = await audit.client.readContract({
      address: audit.contract,
      abi: paymentAuditLogAbi,
      functionName: "head",
    });
    expect(head).toEqual([1n, 5n, tree.root, audit.agentId, audit.operator.address]);
    for (const [i, l] of batch.entries()) {
      const proof = tree.getProof(i) as Hex[];
      expect(
        await audit.client.readContract({
          address: audit.contract,
          abi: paymentAuditLogAbi,
          functionName: "verifyReceipt",
          args: [1n, ...leafArgs(l), proof],
        }),
      ).toBe(true);
      // the stored leaf hashes alone rebuild the same tree (what verification uses)
      const simple = SimpleMerkleTree.of(batch.map((x) => tree.leafHash(leafValues(x))));
      expect(simple.root).toBe(tree.root);
      expect(simple.getProof(i)).toEqual(proof);
    }
    const tampered = { ...batch[2], amount: (batch[2] as ReceiptLeaf).amount + 1n } as ReceiptLeaf;
    expect(
      await audit.client.readContract({
        address: audit.contract,
        abi: paymentAuditLogAbi,
        functionName: "verifyReceipt",
        args: [1n, ...leafArgs(tampered), tree.getProof(2) as Hex[]],
      }),
    ).toBe(false);
  });

  test("behavior: re-anchoring a batch id, a gap or overlap in sequence, and a wrong leaf count are rejected", async () => {
    const head = await audit.client.readContract({
      address: audit.contract,
      abi: paymentAuditLogAbi,
      functionName: "head",
    });
    const [lastBatchId, lastSeq] = head;
    const next = lastBatchId + 1n;
    const root = receiptTree(leaves(Number(lastSeq) + 1, 2)).root;
    expect(await revertName(() => send("anchorBatch", [lastBatchId, root, lastSeq + 1n, lastSeq + 2n, 2, ""]))).toBe(
      "BadBatchId",
    );
    expect(await revertName(() => send("anchorBatch", [next + 1n, root, lastSeq + 1n, lastSeq + 2n, 2, ""]))).toBe(
      "BadBatchId",
    );
    expect(await revertName(() => send("anchorBatch", [next, root, lastSeq + 2n, lastSeq + 3n, 2, ""]))).toBe(
      "BadRange",
    );
    expect(await revertName(() => send("anchorBatch", [next, root, lastSeq, lastSeq + 1n, 2, ""]))).toBe("BadRange");
    expect(await revertName(() => send("anchorBatch", [next, root, lastSeq + 1n, lastSeq + 2n, 3, ""]))).toBe(
      "BadRange",
    );
    expect(await revertName(() => send("anchorBatch", [next, zeroHash, lastSeq + 1n, lastSeq + 2n, 2, ""]))).toBe(
      "EmptyRoot",
    );
    const stranger = privateKeyToAccount(keccak256(toHex("stranger")));
    await audit.chain.fund(stranger.address, 10n ** 20n);
    expect(await revertName(() => send("anchorBatch", [next, root, lastSeq + 1n, lastSeq + 2n, 2, ""], stranger))).toBe(
      "NotOperator",
    );
    // nothing moved
    const after = await audit.client.readContract({
      address: audit.contract,
      abi: paymentAuditLogAbi,
      functionName: "head",
    });
    expect(after).toEqual(head);
  });

  test("behavior: per-receipt events decode with the ERC-8004 v2 NewFeedback ABI", async () => {
    const [lastBatchId, lastSeq] = await audit.client.readContract({
      address: audit.contract,
      abi: paymentAuditLogAbi,
      functionName: "head",
    });
    const from = Number(lastSeq) + 1;
    const batch = leaves(from, 3);
    const tree = receiptTree(batch);
    const feedback = batch.map((l, i) => feedbackOf(receipt(from + i), l.receiptHash));
    expect(
      await revertName(() =>
        send("anchorBatchWithFeedback", [
          lastBatchId + 1n,
          tree.root,
          BigInt(from),
          BigInt(from + 2),
          3,
          "",
          feedback.slice(1),
        ]),
      ),
    ).toBe("BadFeedbackCount");

    const tx = await send("anchorBatchWithFeedback", [
      lastBatchId + 1n,
      tree.root,
      BigInt(from),
      BigInt(from + 2),
      3,
      "",
      feedback,
    ]);
    expect(toEventSelector(formatAbiItem(erc8004NewFeedbackAbi[0]))).toBe(ERC8004_NEW_FEEDBACK_TOPIC);
    const events = tx.logs
      .filter((log) => log.topics[0] === ERC8004_NEW_FEEDBACK_TOPIC)
      .map((log) => decodeEventLog({ abi: erc8004NewFeedbackAbi, data: log.data, topics: log.topics }));
    expect(events).toHaveLength(3);
    for (const [i, e] of events.entries()) {
      expect(e.eventName).toBe("NewFeedback");
      expect(e.args).toMatchObject({
        agentId: audit.agentId,
        clientAddress: audit.operator.address,
        value: BigInt(1000 + from + i),
        valueDecimals: 6,
        tag1: "x402.paid",
        tag2: "eip155:84532",
        endpoint: "https://api.example.com",
        feedbackURI: "",
        feedbackHash: batch[i]?.receiptHash,
      });
      expect(e.args.indexedTag1).toBe(keccak256(toHex("x402.paid")));
    }
    const indexes = events.map((e) => e.args.feedbackIndex);
    expect(indexes).toEqual([indexes[0], (indexes[0] as bigint) + 1n, (indexes[0] as bigint) + 2n]);
  });
});
