import type { Logger } from "pino";
import type { Address, Hex, LocalAccount, PublicClient } from "viem";
import { backgroundJob } from "../jobs/backgroundJob.js";
import type { JobLock } from "../jobs/jobLock.js";
import type { AuditBatch, AuditStore } from "../ledger/auditStore.js";
import { anchorSubmitter, type Submitted } from "./anchorSubmitter.js";
import { auditLogReader } from "./auditLogReader.js";
import type { AuditMetrics } from "./auditMetrics.js";
import { checkAuditChain } from "./checkAuditChain.js";
import { reconcileBatch } from "./reconcileBatch.js";
import { sealBatch } from "./sealBatch.js";

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

export interface Anchorer {
  /** One pass: reconcile open batches from contract state, then seal and send the next batch if it is due. */
  tick(options?: { force?: boolean }): Promise<TickReport>;
  /** Runs `tick` in the background about every second (off the response path) until `stop`. */
  start(): void;
  stop(): Promise<void>;
  /** why anchoring stopped for good (chain, contract or database disagree), or null */
  readonly halted: string | null;
}

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
  let halted: string | null = null;
  let agentId: bigint | null = null;

  const halt = (reason: string) => {
    halted = reason;
    log.error({ reason }, "audit anchoring stopped: the chain and the database disagree; fix and restart");
  };
  const submitter = anchorSubmitter({ ...deps, confirmTimeoutMs: deps.confirmTimeoutMs ?? 15_000 }, reader);
  const reconcile = reconcileBatch({
    store,
    client,
    contract: deps.contract,
    operator: signer.address,
    log,
    reader,
    submitter,
    replaceAfterMs: deps.replaceAfterMs ?? 60_000,
    now,
    halt,
  });

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

  async function seal(force: boolean): Promise<AuditBatch | null> {
    const sealing = await sealBatch(deps, { force, agentId: agentId ?? 0n, now: now() });
    if (sealing && "halt" in sealing) halt(sealing.halt);
    return sealing && "batch" in sealing ? sealing.batch : null;
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
      if (action === "send" || action === "replace")
        report.submitted = await submitter.submit(batch, action === "replace");
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
    report.submitted = await submitter.submit(sealed, false);
    if (report.submitted.confirmed) report.confirmed.push(sealed.batchId);
    const after = await store.auditQueued(0);
    report.more = !after.inFlight && after.queued >= deps.batchSize;
    if (halted) return { ...report, role: "halted", halted };
    return report;
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
