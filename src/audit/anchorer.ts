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
import { backgroundJob } from "../jobs/backgroundJob.js";
import type { JobLock } from "../jobs/jobLock.js";
import type { AuditBatch, AuditStore } from "../ledger/auditStore.js";
import { type AuditLogHead, auditLogReader } from "./auditLogReader.js";
import type { AuditMetrics } from "./auditMetrics.js";
import { checkAuditChain } from "./checkAuditChain.js";
import { feedbackOf } from "./feedback.js";
import { paymentAuditLogAbi } from "./paymentAuditLogAbi.js";
import { receiptHash } from "./receiptHash.js";
import { leafValues, receiptLeaf, receiptTree } from "./receiptLeaf.js";

export interface AnchorerDeps {
  store: AuditStore;
  /** the audit chain (SKALE); legacy transactions priced by eth_gasPrice */
  client: PublicClient;
  chainId: number;
  contract: Address;
  /** the contract's operator (ERC8004_SIGNER_KEY) */
  signer: LocalAccount;
  lock: JobLock;
  log: Logger;
  metrics?: AuditMetrics;
  /** seal a batch when this many receipts wait… */
  batchSize: number;
  /** …or when the oldest has waited this long */
  batchIntervalMs: number;
  /** also emit one ERC-8004 `NewFeedback` event per receipt */
  feedbackEvents: boolean;
  /** the agentId the contract must carry, when configured */
  agentId?: bigint;
  /** re-price a broadcast transaction (same nonce, gas price × 1.25) still unmined after this long */
  replaceAfterMs?: number;
  /** how long a tick waits for its transaction's receipt before leaving it to the next reconcile */
  confirmTimeoutMs?: number;
  /** tests: runs right after the broadcast, before anything else is recorded (a crash injected here) */
  afterBroadcast?: (batch: AuditBatch, txHash: Hex) => Promise<void> | void;
  now?: () => Date;
}

export interface TickReport {
  /** leader: holds the lock and anchored what it could; standby: another instance anchors; halted: see reason */
  role: "leader" | "standby" | "halted";
  halted?: string;
  confirmed: bigint[];
  sealed: bigint | null;
  submitted: Submitted | null;
  /** more is waiting right now (a full batch behind this one) */
  more: boolean;
}

interface Submitted {
  batchId: bigint;
  txHash: Hex;
  /** mined and its root read back within this tick */
  confirmed: boolean;
}

export interface Anchorer {
  /** One pass: reconcile open batches from contract state, then seal and send the next batch if it is due. */
  tick(options?: { force?: boolean }): Promise<TickReport>;
  /** Runs `tick` in the background about every second (off the response path) until `stop`. */
  start(): void;
  stop(): Promise<void>;
  /** why anchoring stopped for good (chain, contract or database disagree), or null */
  readonly halted: string | null;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);

const BENIGN_BROADCAST = /already known|known transaction|nonce too low|underpriced|already imported/i;

/**
 * The one writer of the audit log: seals queued receipts into gapless batches, anchors each root on
 * PaymentAuditLog, and decides every outcome from contract state, never from a transaction hash alone: a crash
 * after broadcast, a replaced or dropped transaction, or a nonce taken by another transaction all resolve on the
 * next tick. The signed transaction is written to the database before it is broadcast.
 */
export function createAnchorer(deps: AnchorerDeps): Anchorer {
  const { store, client, signer, log } = deps;
  const reader = auditLogReader(client, deps.contract);
  const now = deps.now ?? (() => new Date());
  const replaceAfterMs = deps.replaceAfterMs ?? 60_000;
  const confirmTimeoutMs = deps.confirmTimeoutMs ?? 15_000;
  let halted: string | null = null;
  let agentId: bigint | null = null;

  const halt = (reason: string) => {
    halted = reason;
    log.error({ reason }, "audit anchoring stopped: the chain and the database disagree; fix and restart");
  };

  /** Once per process: right chain, a PaymentAuditLog we operate, the agentId we expect. */
  async function checkChain(): Promise<boolean> {
    const { head, problem } = await checkAuditChain(client, {
      chainId: deps.chainId,
      contract: deps.contract,
      operator: signer.address,
      agentId: deps.agentId,
    });
    if (problem !== null) {
      halt(problem);
      return false;
    }
    agentId = head.agentId;
    return true;
  }

  async function tick(options: { force?: boolean } = {}): Promise<TickReport> {
    const report: TickReport = { role: "standby", confirmed: [], sealed: null, submitted: null, more: false };
    if (halted) return { ...report, role: "halted", halted };
    if (!(await deps.lock.acquire())) return report;
    report.role = "leader";
    if (agentId === null && !(await checkChain())) return { ...report, role: "halted", halted: halted ?? undefined };

    for (const batch of await store.openAuditBatches()) {
      const action = await reconcile(batch);
      if (action === "confirmed") {
        report.confirmed.push(batch.batchId);
        continue;
      }
      if (action === "send" || action === "replace") report.submitted = await submit(batch, action === "replace");
      if (report.submitted?.confirmed) {
        report.confirmed.push(batch.batchId);
        continue;
      }
      if (halted) return { ...report, role: "halted", halted };
      return report; // one batch in flight at a time: the log is strictly ordered
    }

    const sealed = await seal(options.force === true);
    if (!sealed) return report;
    report.sealed = sealed.batchId;
    // the same checks as for a batch found open: the contract must be exactly one batch behind
    if ((await reconcile(sealed)) !== "send") return { ...report, role: "halted", halted: halted ?? undefined };
    report.submitted = await submit(sealed, false);
    if (report.submitted.confirmed) report.confirmed.push(sealed.batchId);
    const after = await store.auditQueued(0);
    report.more = !after.inFlight && after.queued >= deps.batchSize;
    if (halted) return { ...report, role: "halted", halted };
    return report;
  }

  /** Decide a sealed but unconfirmed batch from contract state. */
  async function reconcile(b: AuditBatch): Promise<"confirmed" | "send" | "replace" | "wait" | "halt"> {
    if (b.contract.toLowerCase() !== deps.contract.toLowerCase()) {
      halt(`batch ${b.batchId} was sealed for ${b.contract}, but PAG0_AUDIT_CONTRACT is ${deps.contract}`);
      return "halt";
    }
    const onChain = await reader.batch(b.batchId);
    if (onChain) {
      if (onChain.root.toLowerCase() !== b.root.toLowerCase()) {
        halt(`batch ${b.batchId} is anchored with root ${onChain.root}, but the database sealed ${b.root}`);
        return "halt";
      }
      await confirm(b, onChain.blockNumber);
      return "confirmed";
    }
    const head = await reader.head();
    if (!followsHead(b, head)) return "halt";
    if (b.status === "built" || b.nonce === null || b.rawTx === null) return "send";

    const used = await client.getTransactionCount({ address: signer.address, blockTag: "latest" });
    if (used > b.nonce) {
      const again = await reader.batch(b.batchId); // mined between the two reads?
      if (again?.root.toLowerCase() === b.root.toLowerCase()) {
        await confirm(b, again.blockNumber);
        return "confirmed";
      }
      await store.noteAuditBatch(b.batchId, `nonce ${b.nonce} was used by another transaction; signing again`, true);
      log.warn({ batchId: b.batchId.toString(), nonce: b.nonce }, "anchor nonce taken elsewhere: signing again");
      return "send";
    }
    if (b.submittedAt && now().getTime() - b.submittedAt.getTime() >= replaceAfterMs) return "replace";
    await broadcast(b.rawTx); // dropped from the pool (or never sent before a crash): the same bytes again
    return "wait";
  }

  function followsHead(b: AuditBatch, head: AuditLogHead): boolean {
    if (head.lastBatchId === b.batchId - 1n && head.lastSeq === b.fromSeq - 1n) return true;
    halt(
      `the contract is at batch ${head.lastBatchId} (seq ${head.lastSeq}), but the database's next batch is ` +
        `${b.batchId} from seq ${b.fromSeq}`,
    );
    return false;
  }

  async function seal(force: boolean): Promise<AuditBatch | null> {
    const due = await store.auditQueued(0);
    if (due.inFlight || due.queued === 0) return null;
    const age = due.oldestAt ? now().getTime() - due.oldestAt.getTime() : 0;
    if (!force && due.queued < deps.batchSize && age < deps.batchIntervalMs) return null;

    const q = await store.auditQueued(deps.batchSize);
    if (q.entries.length === 0) return null;
    const fromSeq = q.lastSeq + 1n;
    const leaves = q.entries.map((e, i) =>
      receiptLeaf(fromSeq + BigInt(i), e.receipt, receiptHash(e.receipt), agentId ?? 0n),
    );
    const tree = receiptTree(leaves);
    const result = await store.createAuditBatch({
      batchId: q.lastBatchId + 1n,
      fromSeq,
      root: tree.root as Hex,
      chainId: deps.chainId,
      contract: deps.contract,
      agentId: agentId ?? 0n,
      leaves: leaves.map((l, i) => ({
        entry: q.entries[i]?.entry as string,
        receiptHash: l.receiptHash,
        leafHash: tree.leafHash(leafValues(l)) as Hex,
      })),
    });
    if (!result.ok) {
      if (result.reason === "contract_mismatch") {
        halt(`the audit log lives on ${q.contract}, but PAG0_AUDIT_CONTRACT is ${deps.contract}`);
      }
      return null; // another anchorer sealed first: reconcile on the next tick
    }
    log.debug({ batchId: result.batch.batchId.toString(), leaves: leaves.length }, "sealed audit batch");
    return result.batch;
  }

  /** Sign, write ahead, broadcast, and wait briefly for the receipt; anything unfinished is reconciled later. */
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
      .waitForTransactionReceipt({ hash: txHash, timeout: confirmTimeoutMs, retryCount: 0 })
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

  /** The batch's root is on chain: record which transaction put it there (the one we sent, or a replacement). */
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

  const pollMs = Math.max(50, Math.min(1_000, deps.batchIntervalMs));
  const job = backgroundJob({
    run: async () => {
      const r = await tick();
      return r.role === "halted" ? 60_000 : r.more ? 0 : pollMs;
    },
    onError(err, failures) {
      // the chain or the ledger is down: receipts wait in the outbox; back off up to 30 s
      if (failures === 1 || failures % 10 === 0) log.warn({ err, failures }, "audit anchoring failed; will retry");
      return Math.min(pollMs * 2 ** Math.min(failures, 5), 30_000);
    },
    onStop: () => deps.lock.release(),
  });

  return {
    tick,
    start: () => job.start(),
    stop: () => job.stop(),
    get halted() {
      return halted;
    },
  };
}
