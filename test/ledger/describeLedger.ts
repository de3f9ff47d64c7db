import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isPag0Error } from "../../src/errors.js";
import type {
  Authorization,
  BudgetLimits,
  Ledger,
  ListedSpend,
  ReserveInput,
  ReserveResult,
  SpendRow,
} from "../../src/ledger/ledger.js";
import { SpendStateError } from "../../src/ledger/spendStateError.js";

const CENT = 10_000n; // atomic USDC units
const USDC = 100n * CENT;

const at = (iso: string) => new Date(iso);
const plus = (t: Date, ms: number) => new Date(t.getTime() + ms);

/**
 * The ledger port's contract: money invariants every adapter must keep. One `make()` per file (a PGlite
 * instance costs seconds); every test uses its own principals, so tests never see each other's budgets.
 */
export function describeLedger(name: string, make: () => Promise<Ledger>): void {
  describe(`ledger: ${name}`, () => {
    let ledger: Ledger;
    beforeAll(async () => {
      ledger = await make();
    });
    afterAll(async () => {
      await ledger?.close();
    });

    async function principal(limits: Partial<BudgetLimits> = {}): Promise<string> {
      const id = `p-${randomUUID()}`;
      await ledger.upsertPrincipal(id, { perRequest: 10n * CENT, daily: USDC, monthly: 10n * USDC, ...limits });
      return id;
    }

    function input(p: string, overrides: Partial<ReserveInput> = {}): ReserveInput {
      const key = overrides.idempotencyKey ?? randomUUID();
      return {
        principal: p,
        amount: CENT,
        idempotencyKey: key,
        request: {
          method: "GET",
          url: "https://api.example.com/data",
          host: "api.example.com",
          requestHash: `h-${key}`,
        },
        quote: {
          scheme: "exact",
          network: "eip155:84532",
          asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
          payTo: "0x000000000000000000000000000000000000dEaD",
          x402Version: 2,
          maxTimeoutSeconds: 60,
        },
        ttlSeconds: 60,
        ...overrides,
      };
    }

    async function reserve(p: string, overrides: Partial<ReserveInput> = {}): Promise<SpendRow> {
      const r = await ledger.reserve(input(p, overrides));
      if (!r.ok || r.replayed) throw new Error(`expected a new reservation, got ${JSON.stringify(r, jsonBigint)}`);
      return r.spend;
    }

    function auth(overrides: Partial<Authorization> = {}): Authorization {
      return {
        payer: "0x1111111111111111111111111111111111111111",
        nonce: `0x${randomBytes(32).toString("hex")}`,
        validBefore: BigInt(Math.floor(Date.now() / 1000) + 300),
        ...overrides,
      };
    }

    async function held(p: string, now?: Date) {
      const s = await ledger.budgetStatus(p, now);
      if (!s) throw new Error(`no budget for ${p}`);
      return { spent: s.spent, reserved: s.reserved, remaining: s.remaining };
    }

    const okCount = (rs: ReserveResult[]) => rs.filter((r) => r.ok).length;

    describe("reserve", () => {
      test("default: holds the amount and returns the reserved row", async () => {
        const p = await principal();
        const i = input(p, { amount: 3n * CENT });
        const row = await reserve(p, i);
        expect(row).toMatchObject({
          principal: p,
          status: "reserved",
          amount: 3n * CENT,
          idempotencyKey: i.idempotencyKey,
          request: i.request,
          quote: i.quote,
          authorization: null,
          txHash: null,
          outcomeCode: null,
          response: null,
        });
        expect(row.id).toMatch(/^\d+$/);
        expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(60_000);
        expect(await ledger.getSpend(row.id)).toEqual(row);
        expect(await held(p)).toEqual({
          spent: { today: 0n, month: 0n },
          reserved: { today: 3n * CENT, month: 3n * CENT },
          remaining: { today: USDC - 3n * CENT, month: 10n * USDC - 3n * CENT },
        });
      });

      test("behavior: above the per-request limit is denied and holds nothing", async () => {
        const p = await principal({ perRequest: 5n * CENT });
        expect(await ledger.reserve(input(p, { amount: 5n * CENT + 1n }))).toEqual({
          ok: false,
          reason: "per_request_limit",
          limit: 5n * CENT,
        });
        expect((await held(p)).reserved.today).toBe(0n);
        await reserve(p, { amount: 5n * CENT }); // the limit itself is allowed
      });

      test("behavior: an unknown principal cannot reserve", async () => {
        expect(await ledger.reserve(input(`nobody-${randomUUID()}`))).toEqual({
          ok: false,
          reason: "unknown_principal",
        });
      });

      test("behavior: 200 concurrent reserves, exactly 10 fit the daily limit", async () => {
        const p = await principal({ daily: 10n * CENT });
        const results = await Promise.all(Array.from({ length: 200 }, () => ledger.reserve(input(p))));
        expect(okCount(results)).toBe(10);
        const denials = results.filter((r) => !r.ok);
        expect(denials).toHaveLength(190);
        expect(denials.every((r) => r.reason === "daily_limit" && r.limit === 10n * CENT)).toBe(true);
        const ids = new Set(results.flatMap((r) => (r.ok ? [r.spend.id] : [])));
        expect(ids.size).toBe(10);
        expect(await held(p)).toMatchObject({ reserved: { today: 10n * CENT }, remaining: { today: 0n } });
      });

      test("behavior: 200 concurrent reserves, exactly 10 fit the monthly limit", async () => {
        const p = await principal({ daily: 10n * USDC, monthly: 10n * CENT });
        const results = await Promise.all(Array.from({ length: 200 }, () => ledger.reserve(input(p))));
        expect(okCount(results)).toBe(10);
        expect(results.filter((r) => !r.ok && r.reason === "monthly_limit")).toHaveLength(190);
        expect(await held(p)).toMatchObject({ reserved: { month: 10n * CENT }, remaining: { month: 0n, today: 0n } });
      });

      test("behavior: a denial reports the window's spent and held amounts", async () => {
        const p = await principal({ daily: 5n * CENT });
        const a = await reserve(p, { amount: 3n * CENT });
        await ledger.settle(a.id, { txHash: "0xaa" });
        await reserve(p, { amount: CENT });
        expect(await ledger.reserve(input(p, { amount: 2n * CENT }))).toEqual({
          ok: false,
          reason: "daily_limit",
          limit: 5n * CENT,
          spent: 3n * CENT,
          reserved: CENT,
        });
      });

      test("behavior: amounts beyond 2^53 stay exact", async () => {
        const big = 2n ** 60n + 7n;
        const p = await principal({ perRequest: big, daily: 2n ** 62n, monthly: 2n ** 62n });
        const row = await reserve(p, { amount: big });
        expect(row.amount).toBe(big);
        expect((await held(p)).remaining.today).toBe(2n ** 62n - big);
      });

      test("behavior: raising a principal's limits applies to the next reserve", async () => {
        const p = await principal({ daily: CENT });
        await reserve(p);
        expect((await ledger.reserve(input(p))).ok).toBe(false);
        await ledger.upsertPrincipal(p, { perRequest: 10n * CENT, daily: 2n * CENT, monthly: USDC });
        expect((await ledger.budgetStatus(p))?.limits).toEqual({
          perRequest: 10n * CENT,
          daily: 2n * CENT,
          monthly: USDC,
        });
        await reserve(p);
      });
    });

    describe("idempotency", () => {
      test("behavior: 20 concurrent reserves with one key make one reservation and 19 replays", async () => {
        const p = await principal();
        const i = input(p);
        const results = await Promise.all(Array.from({ length: 20 }, () => ledger.reserve(i)));
        expect(results.every((r) => r.ok)).toBe(true);
        expect(results.filter((r) => r.ok && !r.replayed)).toHaveLength(1);
        expect(results.filter((r) => r.ok && r.replayed)).toHaveLength(19);
        expect(new Set(results.map((r) => (r.ok ? r.spend.id : null))).size).toBe(1);
        expect((await held(p)).reserved.today).toBe(CENT);
      });

      test("behavior: the same key for a different request is a conflict", async () => {
        const p = await principal();
        const first = await reserve(p);
        const other = input(p, { idempotencyKey: first.idempotencyKey });
        other.request = { ...other.request, requestHash: "another request" };
        expect(await ledger.reserve(other)).toEqual({ ok: false, reason: "idempotency_conflict" });
        expect((await held(p)).reserved.today).toBe(CENT);
      });

      test("behavior: replaying a settled key returns the row and holds nothing more", async () => {
        const p = await principal();
        const i = input(p);
        const row = await reserve(p, i);
        await ledger.markSigned(row.id, auth());
        await ledger.settle(row.id, { txHash: "0xabc", response: { status: 200, body: "bought" } });
        const again = await ledger.reserve(i);
        expect(again).toMatchObject({
          ok: true,
          replayed: true,
          spend: { id: row.id, status: "settled", txHash: "0xabc" },
        });
        expect(again.ok && again.spend.response).toEqual({ status: 200, body: "bought" });
        expect(await held(p)).toMatchObject({ spent: { today: CENT }, reserved: { today: 0n } });
      });

      test("behavior: a released, never-signed key is reserved again on the same row", async () => {
        const p = await principal();
        const i = input(p);
        const row = await reserve(p, i);
        await ledger.release(row.id, "PAYMENT_FAILED");
        const again = await ledger.reserve({ ...i, amount: 2n * CENT });
        expect(again).toMatchObject({
          ok: true,
          replayed: false,
          spend: { id: row.id, status: "reserved", amount: 2n * CENT, outcomeCode: null },
        });
        expect((await held(p)).reserved.today).toBe(2n * CENT);
      });

      test("behavior: a released key whose signature is still valid is replayed until validBefore", async () => {
        const p = await principal();
        const i = input(p);
        const row = await reserve(p, i);
        const validBefore = BigInt(Math.floor(Date.now() / 1000) + 120);
        await ledger.markSigned(row.id, auth({ validBefore }));
        await ledger.release(row.id, "PAYMENT_FAILED");
        expect(await ledger.reserve(i)).toMatchObject({ ok: true, replayed: true, spend: { status: "released" } });
        expect((await held(p)).reserved.today).toBe(0n);

        const later = new Date(Number(validBefore) * 1000);
        const again = await ledger.reserve({ ...i, now: later });
        expect(again).toMatchObject({
          ok: true,
          replayed: false,
          spend: { id: row.id, status: "reserved", authorization: null },
        });
        expect((await held(p, later)).reserved.today).toBe(CENT);
      });

      test("behavior: an expired key is reserved again", async () => {
        const p = await principal();
        const t = at("2031-05-05T12:00:00Z");
        const i = input(p, { ttlSeconds: 1, now: t });
        const row = await reserve(p, i);
        const again = await ledger.reserve({ ...i, now: plus(t, 2000) });
        expect(again).toMatchObject({ ok: true, replayed: false, spend: { id: row.id, status: "reserved" } });
        expect((await held(p, plus(t, 2000))).reserved.today).toBe(CENT);
      });
    });

    describe("transitions", () => {
      test("behavior: reserved → signed → settled moves the hold to spent", async () => {
        const p = await principal();
        const row = await reserve(p, { amount: 4n * CENT });
        const a = auth();
        const signed = await ledger.markSigned(row.id, a);
        expect(signed).toMatchObject({ status: "signed", authorization: a });
        expect(await held(p)).toMatchObject({ spent: { today: 0n }, reserved: { today: 4n * CENT, month: 4n * CENT } });

        const settled = await ledger.settle(row.id, { txHash: "0x01", response: { status: 200 } });
        expect(settled).toMatchObject({
          status: "settled",
          txHash: "0x01",
          response: { status: 200 },
          authorization: a,
        });
        expect(await held(p)).toEqual({
          spent: { today: 4n * CENT, month: 4n * CENT },
          reserved: { today: 0n, month: 0n },
          remaining: { today: USDC - 4n * CENT, month: 10n * USDC - 4n * CENT },
        });
      });

      test("behavior: settle is replay-safe and refuses a different transaction", async () => {
        const p = await principal();
        const row = await reserve(p);
        await ledger.markSigned(row.id, auth());
        await ledger.settle(row.id, { txHash: null });
        const again = await ledger.settle(row.id, { txHash: "0x02" }); // fills the hash learnt later
        expect(again).toMatchObject({ status: "settled", txHash: "0x02" });
        expect((await held(p)).spent.today).toBe(CENT);
        const refused = await ledger.settle(row.id, { txHash: "0x03" }).catch((e) => e);
        expect(refused).toBeInstanceOf(SpendStateError);
        expect(refused).toMatchObject({ reason: "tx_hash_mismatch", status: "settled" });
      });

      test("behavior: release gives the hold back, is replay-safe, and settled rows refuse it", async () => {
        const p = await principal();
        const row = await reserve(p);
        const released = await ledger.release(row.id, "APPROVAL_DENIED");
        expect(released).toMatchObject({ status: "released", outcomeCode: "APPROVAL_DENIED" });
        expect((await held(p)).reserved.today).toBe(0n);
        expect(await ledger.release(row.id, "APPROVAL_DENIED")).toMatchObject({ status: "released" });
        expect((await held(p)).reserved.today).toBe(0n);
        // never signed, so it cannot have been paid
        await expect(ledger.settle(row.id, { txHash: "0x04" })).rejects.toMatchObject({ reason: "invalid_transition" });

        const paid = await reserve(p);
        await ledger.settle(paid.id, { txHash: "0x05" });
        const refused = await ledger.release(paid.id, "PAYMENT_FAILED").catch((e) => e);
        expect(refused).toBeInstanceOf(SpendStateError);
        expect(refused).toMatchObject({ reason: "invalid_transition", status: "settled" });
        expect((await held(p)).spent.today).toBe(CENT);
      });

      test("behavior: unknown keeps the amount held until it is settled or released", async () => {
        const p = await principal();
        const a = await reserve(p);
        const b = await reserve(p);
        for (const row of [a, b]) {
          await ledger.markSigned(row.id, auth());
          expect(await ledger.markUnknown(row.id, "NO_SETTLEMENT")).toMatchObject({
            status: "unknown",
            outcomeCode: "NO_SETTLEMENT",
          });
        }
        expect(await ledger.markUnknown(a.id, "NO_SETTLEMENT")).toMatchObject({ status: "unknown" }); // replay
        expect((await held(p)).reserved.today).toBe(2n * CENT);

        await ledger.settle(a.id, { txHash: "0x06" });
        await ledger.release(b.id, "AUTHORIZATION_EXPIRED");
        expect(await held(p)).toMatchObject({ spent: { today: CENT }, reserved: { today: 0n } });
        expect(await ledger.getSpend(a.id)).toMatchObject({ status: "settled", outcomeCode: "NO_SETTLEMENT" });
      });

      test("behavior: markSigned is replay-safe for the same nonce and refuses another", async () => {
        const p = await principal();
        const row = await reserve(p);
        const a = auth();
        await ledger.markSigned(row.id, a);
        expect(await ledger.markSigned(row.id, a)).toMatchObject({ status: "signed", authorization: a });
        const refused = await ledger.markSigned(row.id, auth()).catch((e) => e);
        expect(refused).toBeInstanceOf(SpendStateError);
        expect(refused).toMatchObject({ reason: "nonce_mismatch", status: "signed", code: "INTERNAL" });
      });

      test("behavior: a reserved row may go straight to unknown", async () => {
        const p = await principal();
        const row = await reserve(p);
        expect(await ledger.markUnknown(row.id, "UPSTREAM_TIMEOUT")).toMatchObject({ status: "unknown" });
        expect((await held(p)).reserved.today).toBe(CENT);
      });

      test("behavior: a signed row released and later proven paid settles late, counted as spent", async () => {
        const p = await principal({ daily: CENT });
        const row = await reserve(p);
        await ledger.markSigned(row.id, auth());
        await ledger.release(row.id, "PAYMENT_FAILED");
        await reserve(p); // the freed budget was used meanwhile
        const late = await ledger.settle(row.id, { txHash: "0x07" });
        expect(late).toMatchObject({ status: "settled", txHash: "0x07", outcomeCode: "PAYMENT_FAILED" });
        // the chain wins over the limit; remaining never goes negative
        expect(await held(p)).toMatchObject({
          spent: { today: CENT },
          reserved: { today: CENT },
          remaining: { today: 0n },
        });
      });

      test("behavior: unknown ids are null for getSpend and not_found for changes", async () => {
        expect(await ledger.getSpend("999999999999")).toBeNull();
        expect(await ledger.getSpend("not-an-id")).toBeNull();
        for (const id of ["999999999999", "not-an-id"]) {
          await expect(ledger.settle(id, { txHash: null })).rejects.toMatchObject({
            reason: "not_found",
            status: null,
          });
          await expect(ledger.release(id, "X")).rejects.toBeInstanceOf(SpendStateError);
        }
      });
    });

    describe("expiry", () => {
      test("behavior: lapsed reservations give their budget back lazily", async () => {
        const p = await principal({ daily: 2n * CENT });
        const t = at("2031-06-10T08:00:00Z");
        const a = await reserve(p, { ttlSeconds: 1, now: t });
        const b = await reserve(p, { ttlSeconds: 1, now: t });
        expect((await ledger.reserve(input(p, { now: plus(t, 500) }))).ok).toBe(false);
        // not yet expired by any call, but no longer counted as held
        expect(await held(p, plus(t, 1000))).toMatchObject({
          reserved: { today: 0n },
          remaining: { today: 2n * CENT },
        });
        expect(await held(p, plus(t, 999))).toMatchObject({ reserved: { today: 2n * CENT } });

        await reserve(p, { now: plus(t, 1000) });
        expect((await ledger.getSpend(a.id))?.status).toBe("expired");
        expect((await ledger.getSpend(b.id))?.status).toBe("expired");
        expect((await held(p, plus(t, 1000))).reserved.today).toBe(CENT);
      });

      test("behavior: signed, unknown and settled rows never expire", async () => {
        const p = await principal();
        const t = at("2031-06-11T08:00:00Z");
        const [s, u, x] = [
          await reserve(p, { ttlSeconds: 1, now: t }),
          await reserve(p, { ttlSeconds: 1, now: t }),
          await reserve(p, { ttlSeconds: 1, now: t }),
        ];
        await ledger.markSigned(s.id, auth());
        await ledger.markSigned(u.id, auth());
        await ledger.markUnknown(u.id, "NO_SETTLEMENT");
        await ledger.settle(x.id, { txHash: "0x08" });
        await reserve(p, { now: plus(t, 60_000) }); // runs the lazy expiry
        expect((await ledger.getSpend(s.id))?.status).toBe("signed");
        expect((await ledger.getSpend(u.id))?.status).toBe("unknown");
        expect((await ledger.getSpend(x.id))?.status).toBe("settled");
        expect(await held(p, plus(t, 60_000))).toMatchObject({
          spent: { today: CENT },
          reserved: { today: 3n * CENT },
        });
      });

      test("behavior: a signed row settles after its reservation TTL passed", async () => {
        const p = await principal();
        const t = at("2031-06-12T08:00:00Z");
        const row = await reserve(p, { ttlSeconds: 1, now: t });
        await ledger.markSigned(row.id, auth());
        expect(await ledger.expireReservations(plus(t, 3_600_000))).toBeGreaterThanOrEqual(0);
        expect(await ledger.settle(row.id, { txHash: "0x09" })).toMatchObject({ status: "settled" });
        expect(await held(p, t)).toMatchObject({ spent: { today: CENT }, reserved: { today: 0n } });
      });

      test("behavior: an expired reservation can be neither signed nor settled", async () => {
        const p = await principal();
        const t = at("2031-06-13T08:00:00Z");
        const row = await reserve(p, { ttlSeconds: 1, now: t });
        await reserve(p, { now: plus(t, 5000) });
        const refused = await ledger.markSigned(row.id, auth()).catch((e) => e);
        expect(refused).toMatchObject({ reason: "invalid_transition", status: "expired" });
        await expect(ledger.settle(row.id, { txHash: "0x0a" })).rejects.toMatchObject({ status: "expired" });
        expect(await ledger.release(row.id, "X")).toMatchObject({ status: "expired" }); // nothing left to give back
      });

      test("behavior: expireReservations sweeps every principal and returns the count", async () => {
        const [p, q] = [await principal(), await principal()];
        const t = at("2031-06-14T08:00:00Z");
        const rows = [
          await reserve(p, { ttlSeconds: 1, now: t }),
          await reserve(q, { ttlSeconds: 1, now: t }),
          await reserve(q, { ttlSeconds: 1, now: t }),
        ];
        const live = await reserve(q, { ttlSeconds: 600, now: t });
        expect(await ledger.expireReservations(plus(t, 2000))).toBeGreaterThanOrEqual(3);
        expect(await ledger.expireReservations(plus(t, 2000))).toBe(0);
        for (const row of rows) expect((await ledger.getSpend(row.id))?.status).toBe("expired");
        expect((await ledger.getSpend(live.id))?.status).toBe("reserved");
        expect((await held(p, t)).reserved.today).toBe(0n);
        expect((await held(q, t)).reserved.today).toBe(CENT);
      });
    });

    describe("windows", () => {
      test("behavior: the UTC month rolls over at 00:00Z on the 1st", async () => {
        const p = await principal({ daily: 2n * CENT, monthly: 3n * CENT });
        const lastSecond = at("2031-01-31T23:59:59Z");
        const firstSecond = at("2031-02-01T00:00:00Z");
        const mid = await reserve(p, { now: at("2031-01-15T10:00:00Z"), amount: CENT });
        await ledger.settle(mid.id, { txHash: "0x10" });
        const late = await reserve(p, { now: lastSecond, amount: 2n * CENT });
        expect((await ledger.reserve(input(p, { now: lastSecond }))).ok).toBe(false);
        expect(await ledger.budgetStatus(p, lastSecond)).toMatchObject({
          spent: { today: 0n, month: CENT },
          reserved: { today: 2n * CENT, month: 2n * CENT },
          remaining: { today: 0n, month: 0n },
          resetsAt: { day: firstSecond, month: firstSecond },
        });

        // settled "now" (months later), it stays in January's windows
        await ledger.markSigned(late.id, auth());
        await ledger.settle(late.id, { txHash: "0x0b" });
        expect(await ledger.budgetStatus(p, lastSecond)).toMatchObject({
          spent: { today: 2n * CENT, month: 3n * CENT },
          reserved: { today: 0n, month: 0n },
        });

        expect(await ledger.budgetStatus(p, firstSecond)).toMatchObject({
          spent: { today: 0n, month: 0n },
          reserved: { today: 0n, month: 0n },
          remaining: { today: 2n * CENT, month: 3n * CENT },
          resetsAt: { day: at("2031-02-02T00:00:00Z"), month: at("2031-03-01T00:00:00Z") },
        });
        const fresh = await ledger.reserve(input(p, { now: firstSecond, amount: 2n * CENT }));
        expect(fresh).toMatchObject({ ok: true, replayed: false });
      });

      test("behavior: the year rolls over with the month", async () => {
        const p = await principal();
        expect((await ledger.budgetStatus(p, at("2031-12-31T12:00:00Z")))?.resetsAt).toEqual({
          day: at("2032-01-01T00:00:00Z"),
          month: at("2032-01-01T00:00:00Z"),
        });
      });

      test("behavior: remaining today is capped by what is left of the month", async () => {
        const p = await principal({ daily: 10n * CENT, monthly: 3n * CENT });
        await reserve(p, { amount: 2n * CENT });
        expect((await held(p)).remaining).toEqual({ today: CENT, month: CENT });
      });

      test("behavior: an unknown principal has no budget", async () => {
        expect(await ledger.budgetStatus(`nobody-${randomUUID()}`)).toBeNull();
      });
    });

    describe("listSpend", () => {
      async function history(p: string, n: number, start: Date, host = "api.example.com"): Promise<SpendRow[]> {
        const rows: SpendRow[] = [];
        for (let i = 0; i < n; i++) {
          // each pair shares a timestamp, so the order falls back to the id
          const now = plus(start, Math.floor(i / 2) * 1000);
          const i2 = input(p, { now });
          i2.request = { ...i2.request, host, url: `https://${host}/r/${i}` };
          rows.push(await reserve(p, i2));
        }
        return rows;
      }
      const newestFirst = (a: SpendRow, b: SpendRow) =>
        b.createdAt.getTime() - a.createdAt.getTime() || Number(BigInt(b.id) - BigInt(a.id));

      test("behavior: pages newest first by cursor, without duplicates or gaps", async () => {
        const p = await principal({ daily: 100n * USDC, monthly: 100n * USDC });
        const rows = await history(p, 23, at("2031-03-10T10:00:00Z"));
        const seen: ListedSpend[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await ledger.listSpend({ principal: p, limit: 5, cursor });
          expect(page.totals.count).toBe(23);
          expect(page.items.length).toBeLessThanOrEqual(5);
          seen.push(...page.items);
          cursor = page.nextCursor ?? undefined;
          pages++;
        } while (cursor && pages < 10);
        expect(pages).toBe(5);
        expect(seen.map((r) => r.id)).toEqual([...rows].sort(newestFirst).map((r) => r.id));
      });

      test("behavior: totals cover the whole filter; spent sums settled rows only", async () => {
        const p = await principal();
        const [a, b, c, d] = [
          await reserve(p),
          await reserve(p),
          await reserve(p),
          await reserve(p, { amount: 5n * CENT }),
        ];
        await ledger.settle(a.id, { txHash: "0x0c" });
        await ledger.settle(d.id, { txHash: "0x0d" });
        await ledger.release(b.id, "PAYMENT_FAILED");
        const page = await ledger.listSpend({ principal: p, limit: 1 });
        expect(page.items).toHaveLength(1);
        expect(page.totals).toEqual({ spent: 6n * CENT, count: 4, saved: 0n });
        expect(
          (await ledger.listSpend({ principal: p, limit: 10, status: "reserved" })).items.map((r) => r.id),
        ).toEqual([c.id]);
      });

      test("behavior: filters by host, status and a [since, until) range", async () => {
        const p = await principal({ daily: 100n * USDC, monthly: 100n * USDC });
        const t = at("2031-04-01T09:00:00Z");
        const one = await history(p, 4, t, "one.example");
        const two = await history(p, 2, plus(t, 10_000), "two.example");
        await ledger.settle(one[0]!.id, { txHash: "0x0e" });
        const ids = async (q: Partial<Parameters<Ledger["listSpend"]>[0]>) =>
          (await ledger.listSpend({ principal: p, limit: 100, ...q })).items.map((r) => r.id).sort();

        expect(await ids({ host: "two.example" })).toEqual(two.map((r) => r.id).sort());
        expect(await ids({ status: "settled" })).toEqual([one[0]!.id]);
        // one[] was made at t, t, t+1s, t+1s
        expect(await ids({ since: plus(t, 1000) })).toEqual([one[2]!, one[3]!, ...two].map((r) => r.id).sort());
        expect(await ids({ until: plus(t, 1000) })).toEqual([one[0]!.id, one[1]!.id].sort());
        expect(await ids({ since: t, until: plus(t, 1000), status: "reserved" })).toEqual([one[1]!.id]);
        expect((await ledger.listSpend({ principal: p, limit: 100, host: "one.example" })).totals).toEqual({
          spent: CENT,
          count: 4,
          saved: 0n,
        });
      });

      test("behavior: principal null lists every principal", async () => {
        const host = `${randomUUID()}.example`;
        const [p, q] = [await principal(), await principal()];
        const rows = [...(await history(p, 1, new Date(), host)), ...(await history(q, 2, new Date(), host))];
        const all = await ledger.listSpend({ principal: null, host, limit: 100 });
        expect(all.items.map((r) => r.id).sort()).toEqual(rows.map((r) => r.id).sort());
        expect(new Set(all.items.map((r) => r.principal))).toEqual(new Set([p, q]));
      });

      test("behavior: the limit is clamped to 1..100", async () => {
        const p = await principal();
        await history(p, 2, new Date());
        expect((await ledger.listSpend({ principal: p, limit: 0 })).items).toHaveLength(1);
        expect((await ledger.listSpend({ principal: p, limit: 1000 })).items).toHaveLength(2);
      });

      test("behavior: a cursor list_spend did not return is INVALID_INPUT", async () => {
        const e = await ledger
          .listSpend({ principal: null, limit: 5, cursor: "42; drop table spend_events" })
          .catch((x) => x);
        expect(isPag0Error(e) && e.code).toBe("INVALID_INPUT");
      });
    });

    describe("pendingOutcomes", () => {
      test("behavior: lists signed rows older than the cutoff and every unknown row", async () => {
        const p = await principal();
        const [signed, unknown, settled, reserved] = [
          await reserve(p),
          await reserve(p),
          await reserve(p),
          await reserve(p),
        ];
        for (const row of [signed, unknown, settled]) await ledger.markSigned(row.id, auth());
        await ledger.markUnknown(unknown.id, "NO_SETTLEMENT");
        await ledger.settle(settled.id, { txHash: "0x0f" });

        const mine = (rows: SpendRow[]) => rows.filter((r) => r.principal === p).map((r) => r.id);
        const later = await ledger.pendingOutcomes(new Date(Date.now() + 60_000));
        expect(mine(later).sort()).toEqual([signed.id, unknown.id].sort());
        expect(mine(later)).not.toContain(reserved.id);
        const earlier = await ledger.pendingOutcomes(new Date(Date.now() - 60_000));
        expect(mine(earlier)).toEqual([unknown.id]);
        expect(later.find((r) => r.id === signed.id)?.authorization?.payer).toBe(
          "0x1111111111111111111111111111111111111111",
        );
      });
    });
  });
}

function jsonBigint(_key: string, value: unknown) {
  return typeof value === "bigint" ? value.toString() : value;
}
