import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { paymentChainClient, paymentChainClients } from "../../src/app/chainClients.js";
import type { JobLock } from "../../src/jobs/jobLock.js";
import type { Signer } from "../../src/ledger/instanceStore.js";
import type { Ledger, SpendRow } from "../../src/ledger/ledger.js";
import { toQuotes } from "../../src/payment/quote.js";
import { createReconciler, type ReconcilerDeps } from "../../src/payment/reconciler.js";
import type { SignedPayment } from "../../src/payment/x402Payer.js";
import { closedPort } from "../support/closedPort.js";
import { logSink } from "../support/logSink.js";
import { testReserveInput } from "../support/reserveInput.js";
import { withWorld } from "../support/withWorld.js";
import { paymentRequiredOf, type WorldPayer, worldPayer } from "../support/worldPayer.js";
import type { World } from "../world/world.js";

// The reconciler against a real PGlite ledger and the world's chain: every row it decides carries an EIP-3009
// authorization the real x402 payer signed for a real 402, so `authorizationState` answers for real.

let world: World;
let ledger: Ledger;
let payer: WorldPayer;
withWorld((w, l) => {
  world = w;
  ledger = l;
}, []);
beforeAll(async () => {
  payer = await worldPayer(world);
});

// rows of one test must not be decided by the next one's reconciler: leave nothing pending
afterEach(async () => {
  const later = new Date(Date.now() + 86_400_000);
  for (const row of await ledger.pendingOutcomes(later)) await ledger.release(row.id, "TEST_DONE");
  await ledger.expireReservations(later);
});

let principals = 0;

/** A reservation for the 402 of a fresh route of `server`, on its own principal. */
async function reservedFor(
  server: World["v2"] | World["v1"] = world.v2,
  route: Parameters<World["v2"]["route"]>[0] = {},
) {
  const url = server.route({ price: 10_000n, ...route });
  const required = await paymentRequiredOf(url);
  const [quote] = toQuotes(required, payer.networks);
  if (!quote) throw new Error(`no readable option in the 402 of ${url}`);
  const principal = `reconciler-${process.pid}-${++principals}`;
  await ledger.upsertPrincipal(principal, { perRequest: 1_000_000n, daily: 10_000_000n, monthly: 100_000_000n });
  const { scheme, network, asset, payTo, x402Version, maxTimeoutSeconds } = quote;
  const reserved = await ledger.reserve(
    testReserveInput(principal, {
      amount: quote.amount,
      quote: { scheme, network, asset, payTo, x402Version, maxTimeoutSeconds },
      ttlSeconds: 60,
    }),
  );
  if (!reserved.ok) throw new Error(`not reserved: ${reserved.reason}`);
  return { url, required, quote, principal, row: reserved.spend };
}

/** …then signed by the real payer and marked signed, as the payment stage leaves it before sending. */
async function signedFor(route: Parameters<World["v2"]["route"]>[0] = {}, signer?: Signer) {
  const r = await reservedFor(world.v2, route);
  const signing = await payer.payer.sign(r.required, {
    allowed: [r.quote],
    cap: r.quote.amount,
    paymentId: "pag0_test_payment_id",
    ask: async () => r.row,
    proceed: () => true,
  });
  if (signing.kind !== "signed") throw new Error(`not signed: ${signing.kind}`);
  const row = await ledger.markSigned(r.row.id, signing.payment.authorization, signer);
  return { ...r, row, payment: signing.payment };
}

const validBeforeMs = (p: SignedPayment) => Number(p.authorization.validBefore) * 1000;

function reconciler(o: Partial<ReconcilerDeps> = {}) {
  return createReconciler({
    ledger,
    networks: payer.networks,
    clientFor: paymentChainClients(),
    log: logSink().log,
    signedGraceMs: 0,
    expirySkewSeconds: 30,
    ...o,
  });
}

const status = async (row: SpendRow) => (await ledger.getSpend(row.id))?.status;

describe("createReconciler", () => {
  test("default: an authorization used on chain is settled with the transaction that used it", async () => {
    // the route settles on chain and hangs up: the payer never hears, so the row is still `signed`
    const s = await signedFor({ misbehave: "drop-after-settle" });
    await expect(fetch(s.url, { headers: s.payment.headers })).rejects.toThrow();
    expect(world.v2.stats(s.url).settled).toBe(1);
    const settlement = world.settlements.at(-1);
    expect(settlement).toMatchObject({ success: true, payer: payer.wallet.address });
    expect(await status(s.row)).toBe("signed");

    // still within the grace period, it may be in flight in another process: left alone
    const early = await reconciler({ signedGraceMs: 3_600_000 }).runOnce();
    expect(early).toEqual({ settled: 0, released: 0, undecided: 0, expired: 0 });
    expect(await status(s.row)).toBe("signed");

    const report = await reconciler().runOnce();

    expect(report).toEqual({ settled: 1, released: 0, undecided: 0, expired: 0 });
    const row = await ledger.getSpend(s.row.id);
    expect(row).toMatchObject({ status: "settled", txHash: settlement?.transaction });
    const receipt = await world.publicClient.getTransactionReceipt({ hash: row?.txHash as `0x${string}` });
    expect(receipt.status).toBe("success");
    expect((await ledger.budgetStatus(s.principal))?.spent.today).toBe(10_000n);
  });

  test("behavior: within the grace, a row whose signer's lease lapsed is decided; a fresh lease's is left alone", async () => {
    const dead = await signedFor(
      { misbehave: "drop-after-settle" },
      { instance: `dead-${process.pid}`, leaseSeconds: 1 },
    );
    const live = await signedFor(
      { misbehave: "drop-after-settle" },
      { instance: `live-${process.pid}`, leaseSeconds: 60 },
    );
    for (const s of [dead, live]) await expect(fetch(s.url, { headers: s.payment.headers })).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 1_200)); // the dead signer's lease lapses

    const report = await reconciler({ signedGraceMs: 3_600_000 }).runOnce();

    expect(report).toEqual({ settled: 1, released: 0, undecided: 0, expired: 0 });
    expect(await ledger.getSpend(dead.row.id)).toMatchObject({ status: "settled", txHash: expect.any(String) });
    expect(await status(live.row)).toBe("signed");
  });

  test("behavior: unused and past validBefore plus the skew: released, the hold given back", async () => {
    const s = await signedFor();
    expect((await ledger.budgetStatus(s.principal))?.reserved.today).toBe(10_000n);
    const after = validBeforeMs(s.payment) + 30_000 + 1_000;

    const report = await reconciler({ now: () => new Date(after) }).runOnce();

    expect(report).toEqual({ settled: 0, released: 1, undecided: 0, expired: 0 });
    expect(await ledger.getSpend(s.row.id)).toMatchObject({
      status: "released",
      outcomeCode: "AUTHORIZATION_EXPIRED",
      txHash: null,
    });
    expect(await ledger.budgetStatus(s.principal)).toMatchObject({
      reserved: { today: 0n },
      spent: { today: 0n },
    });
  });

  test("behavior: unused and still valid, or past validBefore but within the skew: undecided and still held", async () => {
    const s = await signedFor();

    const valid = await reconciler({ now: () => new Date(validBeforeMs(s.payment) - 1_000) }).runOnce();
    const inSkew = await reconciler({ now: () => new Date(validBeforeMs(s.payment) + 30_000) }).runOnce();

    for (const report of [valid, inSkew]) expect(report).toEqual({ settled: 0, released: 0, undecided: 1, expired: 0 });
    expect(await status(s.row)).toBe("signed");
    expect((await ledger.budgetStatus(s.principal))?.reserved.today).toBe(10_000n);
  });

  test("behavior: unused at a block already past validBefore: released at once, whatever this process's clock says", async () => {
    const s = await signedFor({ maxTimeoutSeconds: 5 });
    const snapshot = await world.rpc("evm_snapshot");
    try {
      // this process's clock still reads a valid authorization; the chain has moved past it
      const early = reconciler({ now: () => new Date(validBeforeMs(s.payment) - 1_000) });
      expect((await early.runOnce()).undecided).toBe(1);
      await world.rpc("evm_increaseTime", [10]);
      await world.rpc("evm_mine");

      const report = await early.runOnce();

      expect(report).toEqual({ settled: 0, released: 1, undecided: 0, expired: 0 });
      expect(await ledger.getSpend(s.row.id)).toMatchObject({
        status: "released",
        outcomeCode: "AUTHORIZATION_EXPIRED",
      });
    } finally {
      await world.rpc("evm_revert", [snapshot]);
    }
  });

  test("behavior: an unsigned reservation past its TTL is expired; before it, kept", async () => {
    const r = await reservedFor();
    const ttlEnd = r.row.expiresAt.getTime();

    const before = await reconciler({ now: () => new Date(ttlEnd - 1_000) }).runOnce();
    expect(before).toEqual({ settled: 0, released: 0, undecided: 0, expired: 0 });
    expect(await status(r.row)).toBe("reserved");

    const after = await reconciler({ now: () => new Date(ttlEnd + 1_000) }).runOnce();

    expect(after).toEqual({ settled: 0, released: 0, undecided: 0, expired: 1 });
    expect(await status(r.row)).toBe("expired");
    expect((await ledger.budgetStatus(r.principal))?.reserved.today).toBe(0n);
  });

  test("behavior: the chain cannot be read: undecided, a warning logged, nothing thrown or released", async () => {
    const s = await signedFor();
    const dead = paymentChainClient({ rpcUrl: `http://127.0.0.1:${await closedPort()}` }, { timeoutMs: 2_000 });
    const { log, lines } = logSink();
    // long expired by the clock: only chain state may release it, and the chain is not answering
    const report = await reconciler({
      clientFor: () => dead,
      log,
      now: () => new Date(validBeforeMs(s.payment) + 3_600_000),
    }).runOnce();

    expect(report).toEqual({ settled: 0, released: 0, undecided: 1, expired: 0 });
    expect(await status(s.row)).toBe("signed");
    const warning = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "reconcile: chain state not readable yet");
    expect(warning).toMatchObject({ level: 40, spendId: s.row.id });
  });

  test("behavior: start() runs nothing while another instance holds the lock; with the lock it decides", async () => {
    const s = await signedFor();
    const now = () => new Date(validBeforeMs(s.payment) + 3_600_000);

    const standby = countingLock(false);
    const r1 = reconciler({ now, lock: standby });
    r1.start(60_000);
    await standby.asked;
    await r1.stop();

    expect(await status(s.row)).toBe("signed");
    expect(standby.releases).toBe(1);

    const leader = countingLock(true);
    const r2 = reconciler({ now, lock: leader });
    r2.start(60_000);
    await leader.asked;
    await r2.stop(); // waits for the round in flight

    expect(await status(s.row)).toBe("released");
    expect(leader.releases).toBe(1);
  });
});

/** A JobLock that always answers `held`; `asked` resolves at the first acquire. */
function countingLock(held: boolean): JobLock & { asked: Promise<void>; releases: number } {
  let asked!: () => void;
  const lock = {
    asked: new Promise<void>((resolve) => {
      asked = resolve;
    }),
    releases: 0,
    async acquire() {
      asked();
      return held;
    },
    async release() {
      lock.releases++;
    },
  };
  return lock;
}
