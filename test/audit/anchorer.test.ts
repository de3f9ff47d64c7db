import type { PGlite } from "@electric-sql/pglite";
import { parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Anchorer, type AnchorerDeps, createAnchorer } from "../../src/audit/anchorer.js";
import { paymentAuditLogAbi } from "../../src/audit/paymentAuditLogAbi.js";
import { receiptHash } from "../../src/audit/receiptHash.js";
import { processLock } from "../../src/jobs/jobLock.js";
import type { AuditBatch } from "../../src/ledger/auditStore.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import { createLogger } from "../../src/logger.js";
import { openRawPglite } from "../support/rawPglite.js";
import { AUDIT_CHAIN_ID, type AuditChain, startAuditChain } from "./auditChain.js";
import { auditPrincipal, reservedPayment, settledPayment, signedPayment } from "./ledgerReceipts.js";

let audit: AuditChain;
let ledger: Ledger;
let pg: PGlite;
let principal: string;
const log = createLogger("silent");

beforeAll(async () => {
  let raw: Awaited<ReturnType<typeof openRawPglite>>;
  [audit, raw] = await Promise.all([startAuditChain(), openRawPglite()]);
  ({ ledger, pg } = raw);
  principal = await auditPrincipal(ledger);
});
afterAll(async () => {
  await ledger?.close();
  await audit?.stop();
});

class Crash extends Error {}

function anchorer(overrides: Partial<AnchorerDeps> = {}): Anchorer {
  return createAnchorer({
    store: ledger,
    client: audit.client,
    chainId: AUDIT_CHAIN_ID,
    contract: audit.contract,
    signer: audit.operator,
    lock: processLock(),
    log,
    batchSize: 3,
    batchIntervalMs: 3_600_000,
    feedbackEvents: false,
    confirmTimeoutMs: 1_000,
    ...overrides,
  });
}

/** Anchors everything queued (forcing partial batches) and returns how many ticks it took. */
async function drain(a: Anchorer): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const q = await ledger.auditQueued(0);
    if (q.queued === 0 && !q.inFlight) return;
    await a.tick({ force: true });
  }
  throw new Error("the anchorer did not drain the outbox in 20 ticks");
}

/** One receipt, sealed and broadcast by an anchorer that dies right after the broadcast; returns its open batch. */
async function crashAfterBroadcast(): Promise<AuditBatch> {
  await settledPayment(ledger, principal);
  const crashing = anchorer({
    afterBroadcast: () => {
      throw new Crash("killed right after broadcast");
    },
  });
  await expect(crashing.tick({ force: true })).rejects.toBeInstanceOf(Crash);
  const [open] = await ledger.openAuditBatches();
  expect(open).toMatchObject({ status: "submitted", attempts: 1 });
  return open as AuditBatch;
}

/** Runs `fn` with the audit chain mining only on `evm_mine`, so transactions wait in its pool. */
async function withoutAutomine<T>(fn: () => Promise<T>): Promise<T> {
  await audit.chain.rpc("evm_setAutomine", [false]);
  try {
    return await fn();
  } finally {
    await audit.chain.rpc("evm_setAutomine", [true]);
  }
}

const head = () =>
  audit.client.readContract({ address: audit.contract, abi: paymentAuditLogAbi, functionName: "head" });
const operatorNonce = () => audit.client.getTransactionCount({ address: audit.operator.address });
const anchoredEvents = () =>
  audit.client.getContractEvents({
    address: audit.contract,
    abi: paymentAuditLogAbi,
    eventName: "BatchAnchored",
    fromBlock: 0n,
  });
const outbox = async () =>
  (
    await pg.query<{
      id: number;
      seq: string | null;
      batch_id: string | null;
      receipt_hash: string | null;
      receipt: any;
    }>("select id, seq::text, batch_id::text, receipt_hash, receipt from audit_outbox order by id")
  ).rows;

describe("audit receipts", () => {
  test("default: a settlement writes one receipt in its own transaction, with the row's facts", async () => {
    const spend = await settledPayment(ledger, principal, { amount: 4_200n });
    const [stored, ...more] = await ledger.auditReceipts({ receiptId: spend.id });
    expect(more).toEqual([]);
    expect(stored?.kind).toBe("settlement");
    expect(stored?.receipt).toMatchObject({
      v: 1,
      kind: "settlement",
      receiptId: spend.id,
      principal,
      request: { method: "GET", url: spend.request.url, requestHash: spend.request.requestHash },
      quote: {
        network: "eip155:84532",
        asset: spend.quote.asset,
        amount: "4200",
        payTo: spend.quote.payTo,
        x402Version: 2,
        authorizationNonce: spend.authorization?.nonce,
      },
      policy: { decision: "allow", limits: { perRequest: "1000000" } },
      settlement: { txHash: spend.txHash, payer: spend.authorization?.payer },
      code: null,
    });
    // replaying the settlement writes nothing more
    await ledger.settle(spend.id, { txHash: spend.txHash });
    expect(await ledger.auditReceipts({ receiptId: spend.id })).toHaveLength(1);
  });

  test("behavior: a release writes a receipt without settlement; a denial writes one without a ledger row", async () => {
    const reserved = await reservedPayment(ledger, principal, { amount: 500n });
    await ledger.release(reserved.id, "PAYMENT_FAILED", { bodyHash: "b0" });
    await ledger.release(reserved.id, "PAYMENT_FAILED");
    const released = await ledger.auditReceipts({ receiptId: reserved.id });
    expect(released.map((x) => x.receipt)).toMatchObject([
      {
        kind: "release",
        code: "PAYMENT_FAILED",
        settlement: null,
        request: { bodyHash: "b0" },
        quote: { amount: "500", authorizationNonce: null },
      },
    ]);

    const before = (await ledger.auditQueued(0)).queued;
    const { receiptId } = await ledger.recordDenial({
      principal,
      request: {
        method: "GET",
        url: "https://api.example.com/y",
        host: "api.example.com",
        bodyHash: "b1",
        requestHash: "h2",
      },
      quote: {
        scheme: "exact",
        network: "eip155:84532",
        asset: "0x01",
        amount: 10n ** 30n,
        payTo: "not an address",
        x402Version: 2,
        maxTimeoutSeconds: 60,
      },
      code: "PRICE_ABOVE_LIMIT",
    });
    const after = await ledger.auditQueued(100);
    expect(after.queued).toBe(before + 1);
    expect(receiptId).toBe(`d${after.entries.at(-1)?.entry}`);
    expect(after.entries.at(-1)?.receipt).toMatchObject({
      kind: "denial",
      // no ledger row: the denial's own id, d<entry>
      receiptId: `d${after.entries.at(-1)?.entry}`,
      policy: { decision: "deny" },
      quote: { amount: (10n ** 30n).toString(), payTo: "not an address", authorizationNonce: null },
      settlement: null,
      code: "PRICE_ABOVE_LIMIT",
    });
  });

  test("behavior: when the receipt cannot be written, the settlement does not happen either", async () => {
    const signed = await signedPayment(ledger, principal, { amount: 700n });
    const spentBefore = (await ledger.budgetStatus(principal))?.spent.today;
    await pg.exec("alter table audit_outbox add constraint no_settlements check (kind <> 'settlement') not valid");
    try {
      await expect(ledger.settle(signed.id, { txHash: "0xfeed" })).rejects.toMatchObject({
        code: "LEDGER_UNAVAILABLE",
      });
    } finally {
      await pg.exec("alter table audit_outbox drop constraint no_settlements");
    }
    expect((await ledger.getSpend(signed.id))?.status).toBe("signed");
    expect((await ledger.budgetStatus(principal))?.spent.today).toBe(spentBefore);
    expect(await ledger.auditReceipts({ receiptId: signed.id })).toEqual([]);
    await ledger.settle(signed.id, { txHash: "0xfeed" });
    expect(await ledger.auditReceipts({ receiptId: signed.id })).toHaveLength(1);
  });
});

describe("anchorer", () => {
  test("default: receipts are sealed in gapless batches of at most batchSize and anchored; the chain agrees", async () => {
    const a = anchorer({ batchSize: 3 });
    await drain(a);
    const [startBatch, startSeq] = await head();
    for (let i = 0; i < 5; i++) await settledPayment(ledger, principal);

    const full = await a.tick();
    expect(full).toMatchObject({ role: "leader", sealed: startBatch + 1n, confirmed: [startBatch + 1n], more: false });
    // 2 wait: fewer than batchSize and younger than the interval, so nothing is sealed…
    expect((await a.tick()).sealed).toBeNull();
    // …until the oldest has waited batchIntervalMs
    const later = anchorer({ batchSize: 3, now: () => new Date(Date.now() + 3_600_000) });
    expect(await later.tick()).toMatchObject({ sealed: startBatch + 2n, confirmed: [startBatch + 2n] });

    expect((await head()).slice(0, 2)).toEqual([startBatch + 2n, startSeq + 5n]);
    const rows = await outbox();
    const seqs = rows.map((r) => Number(r.seq)).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
    for (const r of rows) expect(r.receipt_hash).toBe(receiptHash(r.receipt));
    const events = await anchoredEvents();
    expect(events.map((e) => e.args.batchId)).toEqual(events.map((_, i) => BigInt(i + 1)));
    for (const [i, e] of events.entries()) {
      expect(e.args.prevRoot).toBe(i === 0 ? `0x${"0".repeat(64)}` : events[i - 1]?.args.root);
      expect(e.args.fromSeq).toBe(i === 0 ? 1n : (events[i - 1]?.args.toSeq as bigint) + 1n);
    }
    const status = await ledger.auditStatus([rows.at(-1)?.receipt.receiptId]);
    expect([...status.values()][0]).toMatchObject({ status: "anchored", batchId: (startBatch + 2n).toString() });
    expect([...status.values()][0]?.anchorTx).toBe(events.at(-1)?.transactionHash);
  });

  test("behavior: with events on, each receipt of a batch gets an ERC-8004 NewFeedback event carrying its hash", async () => {
    const spends = [
      await settledPayment(ledger, principal, { amount: 1_234n }),
      await settledPayment(ledger, principal),
    ];
    const report = await anchorer({ feedbackEvents: true }).tick({ force: true });
    expect(report.confirmed).toEqual([report.sealed]);
    const receipt = await audit.client.getTransactionReceipt({ hash: report.submitted?.txHash as `0x${string}` });
    const feedback = parseEventLogs({ abi: paymentAuditLogAbi, eventName: "NewFeedback", logs: receipt.logs });
    const hashes = await Promise.all(
      spends.map(async (sp) => (await ledger.auditReceipts({ receiptId: sp.id }))[0]?.receiptHash),
    );
    expect(feedback.map((e) => e.args.feedbackHash)).toEqual(hashes);
    expect(feedback[0]?.args).toMatchObject({
      agentId: audit.agentId,
      value: 1_234n,
      valueDecimals: 6,
      tag1: "x402.paid",
    });
  });

  test("behavior: killed right after broadcast, the next start confirms the batch from contract state and sends nothing", async () => {
    const open = await crashAfterBroadcast();
    const nonce = await operatorNonce();
    const eventsBefore = (await anchoredEvents()).length;

    const fresh = anchorer();
    expect(await fresh.tick()).toMatchObject({ role: "leader", confirmed: [open.batchId], submitted: null });
    expect(await operatorNonce()).toBe(nonce);
    const events = await anchoredEvents();
    expect(events).toHaveLength(eventsBefore);
    expect(events.filter((e) => e.args.batchId === open.batchId).map((e) => e.transactionHash)).toEqual([open.txHash]);
    expect((await ledger.auditBatch(open.batchId))?.batch).toMatchObject({ status: "confirmed", txHash: open.txHash });
  });

  test("behavior: killed with the transaction still in the pool, the next start sends the same bytes and confirms once mined", async () => {
    await withoutAutomine(async () => {
      const open = await crashAfterBroadcast();
      const fresh = anchorer();
      expect(await fresh.tick()).toMatchObject({ confirmed: [], submitted: null });
      expect((await ledger.openAuditBatches())[0]).toMatchObject({ status: "submitted", txHash: open.txHash });
      await audit.chain.rpc("evm_mine");
      expect(await fresh.tick()).toMatchObject({ confirmed: [open.batchId] });
      const events = (await anchoredEvents()).filter((e) => e.args.batchId === open.batchId);
      expect(events.map((e) => e.transactionHash)).toEqual([open.txHash]);
    });
  });

  test("behavior: a stuck transaction is replaced (same nonce, higher price) and the batch is anchored once", async () => {
    await withoutAutomine(async () => {
      const stuck = await crashAfterBroadcast();
      const report = await anchorer({ replaceAfterMs: 0 }).tick();
      expect(report.submitted?.txHash).not.toBe(stuck.txHash);
      const [replaced] = await ledger.openAuditBatches();
      expect(replaced).toMatchObject({ nonce: stuck.nonce, attempts: 2, txHash: report.submitted?.txHash });
      expect(replaced?.gasPrice).toBeGreaterThanOrEqual(((stuck.gasPrice as bigint) * 125n) / 100n);
      await audit.chain.rpc("evm_mine");
      expect(await anchorer().tick()).toMatchObject({ confirmed: [stuck.batchId] });
      const events = (await anchoredEvents()).filter((e) => e.args.batchId === stuck.batchId);
      expect(events.map((e) => e.transactionHash)).toEqual([replaced?.txHash]);
      expect((await ledger.auditBatch(stuck.batchId))?.batch.txHash).toBe(replaced?.txHash);
    });
  });

  test("behavior: a nonce taken by another transaction: the batch is signed again and anchored once", async () => {
    const lost = await withoutAutomine(async () => {
      const open = await crashAfterBroadcast();
      // the pool loses it, and another transaction of the same key takes its nonce
      await audit.chain.rpc("hardhat_dropTransaction", [open.txHash]);
      const other = await audit.operator.signTransaction({
        type: "legacy",
        chainId: AUDIT_CHAIN_ID,
        nonce: open.nonce as number,
        gasPrice: await audit.client.getGasPrice(),
        gas: 21_000n,
        to: audit.operator.address,
        value: 0n,
      });
      await audit.client.sendRawTransaction({ serializedTransaction: other });
      await audit.chain.rpc("evm_mine");
      return open;
    });
    expect(await anchorer().tick()).toMatchObject({ confirmed: [lost.batchId] });
    const [event, ...more] = (await anchoredEvents()).filter((e) => e.args.batchId === lost.batchId);
    expect(more).toEqual([]);
    expect(event?.transactionHash).not.toBe(lost.txHash);
    expect((await ledger.auditBatch(lost.batchId))?.batch).toMatchObject({
      status: "confirmed",
      txHash: event?.transactionHash,
      attempts: 2,
    });
  });
});

describe("anchorer refuses to fork the log", () => {
  test("behavior: a contract already anchored by another database halts anchoring, and nothing is sent", async () => {
    const other = await openRawPglite();
    try {
      const p = await auditPrincipal(other.ledger);
      await settledPayment(other.ledger, p);
      const nonce = await operatorNonce();
      // audit.contract is already at batch > 0 from the tests above; this database starts at batch 1
      const a = anchorer({ store: other.ledger, batchSize: 1 });
      const report = await a.tick();
      expect(report.role).toBe("halted");
      expect(report.halted).toMatch(/batch 1 is anchored with root 0x[0-9a-f]{64}, but the database sealed 0x/);
      expect(a.halted).toBe(report.halted);
      expect(await operatorNonce()).toBe(nonce);

      const wrongChain = anchorer({ store: other.ledger, chainId: 1187947933 });
      expect((await wrongChain.tick()).halted).toMatch(/serves chain 324705682, not the audit chain 1187947933/);
    } finally {
      await other.ledger.close();
    }
  });
});
