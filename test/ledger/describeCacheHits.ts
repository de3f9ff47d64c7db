import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { CacheHitInput, Ledger } from "../../src/ledger/ledger.js";
import { testQuote } from "../support/spendQuote.js";

const CENT = 10_000n;

const quote = testQuote();

/** `recordCacheHit` and the savings it shows in list_spend and budget_status, on one ledger adapter. */
export function describeCacheHits(name: string, make: () => Promise<Ledger>): void {
  describe(`ledger cache savings: ${name}`, () => {
    let ledger: Ledger;
    beforeAll(async () => {
      ledger = await make();
    });
    afterAll(async () => {
      await ledger?.close();
    });

    async function principal() {
      const id = `p-${randomUUID()}`;
      await ledger.upsertPrincipal(id, { perRequest: 10n * CENT, daily: 100n * CENT, monthly: 1_000n * CENT });
      return id;
    }

    const hit = (p: string, overrides: Partial<CacheHitInput> = {}): CacheHitInput => ({
      principal: p,
      idempotencyKey: randomUUID(),
      request: { method: "GET", url: "https://api.example.com/data", host: "api.example.com", requestHash: "h1" },
      quote,
      saved: 2n * CENT,
      cachedFrom: null,
      ...overrides,
    });

    async function pay(p: string, key: string, amount = 2n * CENT) {
      const r = await ledger.reserve({
        principal: p,
        amount,
        idempotencyKey: key,
        request: { method: "GET", url: "https://api.example.com/data", host: "api.example.com", requestHash: "h1" },
        quote,
        ttlSeconds: 60,
      });
      if (!r.ok) throw new Error(r.reason);
      return ledger.settle(r.spend.id, { txHash: `0x${"ab".repeat(32)}` });
    }

    test("default: a settled zero-cost row carrying the saving; budgets see savings, not spend", async () => {
      const p = await principal();
      const paid = await pay(p, randomUUID());
      const before = await ledger.budgetStatus(p);

      const r = await ledger.recordCacheHit(hit(p, { cachedFrom: paid.id }));

      expect(r).toMatchObject({ ok: true, replayed: false });
      if (!r.ok) throw new Error("unreachable");
      expect(r.spend).toMatchObject({
        principal: p,
        status: "settled",
        amount: 0n,
        cached: true,
        saved: 2n * CENT,
        cachedFrom: paid.id,
        quote,
        txHash: null,
        request: { method: "GET", url: "https://api.example.com/data", host: "api.example.com" },
      });
      expect(await ledger.getSpend(r.spend.id)).toEqual(r.spend);
      expect(paid).toMatchObject({ cached: false, saved: 0n, cachedFrom: null });

      const after = await ledger.budgetStatus(p);
      expect(after?.spent).toEqual(before?.spent);
      expect(after?.remaining).toEqual(before?.remaining);
      expect(after?.saved).toEqual({ today: 2n * CENT, month: 2n * CENT });
      const page = await ledger.listSpend({ principal: p, limit: 10 });
      expect(page.totals).toEqual({ spent: 2n * CENT, saved: 2n * CENT, count: 2 });
      expect(page.items.map((i) => [i.cached, i.amount, i.saved])).toEqual([
        [true, 0n, 2n * CENT],
        [false, 2n * CENT, 0n],
      ]);
    });

    test("behavior: the same idempotency key records one saving, however often it hits", async () => {
      const p = await principal();
      const input = hit(p);
      const first = await ledger.recordCacheHit(input);
      const again = await ledger.recordCacheHit(input);
      expect(again).toMatchObject({ ok: true, replayed: true });
      expect(first.ok && again.ok && again.spend.id === first.spend.id).toBe(true);
      expect((await ledger.listSpend({ principal: p, limit: 10 })).totals).toEqual({
        spent: 0n,
        saved: 2n * CENT,
        count: 1,
      });
    });

    test("behavior: a batch of hits is recorded as each one alone would be, replays and paid keys skipped", async () => {
      const p = await principal();
      const paidKey = randomUUID();
      await pay(p, paidKey);
      const batch = [hit(p), hit(p, { saved: CENT }), hit(p, { idempotencyKey: paidKey }), hit(`p-${randomUUID()}`)];
      expect(await ledger.recordCacheHits(batch)).toBe(2);
      expect(await ledger.recordCacheHits(batch)).toBe(0); // a batch sent again (a lost answer) writes nothing twice
      expect(await ledger.recordCacheHits([])).toBe(0);
      expect((await ledger.listSpend({ principal: p, limit: 10 })).totals).toEqual({
        spent: 2n * CENT,
        saved: 3n * CENT,
        count: 3,
      });
      expect((await ledger.budgetStatus(p))?.saved.today).toBe(3n * CENT);
    });

    test("behavior: a key that paid is not a saving: idempotency_key_used, nothing written", async () => {
      const p = await principal();
      const key = randomUUID();
      await pay(p, key);
      expect(await ledger.recordCacheHit(hit(p, { idempotencyKey: key }))).toEqual({
        ok: false,
        reason: "idempotency_key_used",
      });
      expect((await ledger.listSpend({ principal: p, limit: 10 })).totals).toMatchObject({ saved: 0n, count: 1 });
    });

    test("behavior: a hit row is never replayed as a payment of the same key", async () => {
      const p = await principal();
      const r = await ledger.recordCacheHit(hit(p, { idempotencyKey: "k" }));
      if (!r.ok) throw new Error(r.reason);
      expect(r.spend.idempotencyKey).toBe("cache-hit:k");
      const reserve = await ledger.reserve({
        principal: p,
        amount: CENT,
        idempotencyKey: "cache-hit:k",
        request: { method: "GET", url: "https://api.example.com/data", host: "api.example.com", requestHash: "h1" },
        quote,
        ttlSeconds: 60,
      });
      expect(reserve).toEqual({ ok: false, reason: "idempotency_conflict" });
    });

    test("behavior: savings fall in the UTC day and month of the hit", async () => {
      const p = await principal();
      await ledger.recordCacheHit(hit(p, { saved: CENT, now: new Date("2031-05-31T23:59:59Z") }));
      await ledger.recordCacheHit(hit(p, { saved: 3n * CENT, now: new Date("2031-06-01T00:00:00Z") }));
      await ledger.recordCacheHit(hit(p, { saved: 5n * CENT, now: new Date("2031-06-02T08:00:00Z") }));
      expect((await ledger.budgetStatus(p, new Date("2031-06-02T12:00:00Z")))?.saved).toEqual({
        today: 5n * CENT,
        month: 8n * CENT,
      });
      expect((await ledger.budgetStatus(p, new Date("2031-05-31T12:00:00Z")))?.saved).toEqual({
        today: CENT,
        month: CENT,
      });
    });

    test("behavior: an unknown principal records nothing", async () => {
      expect(await ledger.recordCacheHit(hit(`nobody-${randomUUID()}`))).toEqual({
        ok: false,
        reason: "unknown_principal",
      });
    });

    test("behavior: a negative saving is refused before the database", async () => {
      const p = await principal();
      await expect(ledger.recordCacheHit(hit(p, { saved: -1n }))).rejects.toThrow(RangeError);
    });
  });
}
