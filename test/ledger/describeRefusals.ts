import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import type { DenialReceiptInput } from "../../src/ledger/auditStore.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import { suiteLedger } from "./suiteLedger.js";

const LIMITS = { perRequest: 10_000n, daily: 100_000n, monthly: 1_000_000n };

const denialOf = (principal: string, overrides: Partial<DenialReceiptInput> = {}): DenialReceiptInput => ({
  principal,
  request: {
    method: "GET",
    url: "https://api.example.com/data?key=[REDACTED]",
    host: "api.example.com",
    bodyHash: "b0",
    requestHash: `h-${randomUUID()}`,
  },
  quote: {
    scheme: "exact",
    network: "eip155:84532",
    asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    amount: 50_000n,
    payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
    x402Version: 2,
    maxTimeoutSeconds: 60,
  },
  code: "BUDGET_EXCEEDED",
  ...overrides,
});

/**
 * The receipts of refused calls as the ledger port reaches them (recordDenial's receiptId, list_spend's `refused`
 * status, auditReceipts and auditStatus by that id), the same on every adapter: PGlite, postgres.js and supabase-js.
 */
export function describeRefusals(name: string, make: () => Promise<Ledger>): void {
  describe(`ledger refusals: ${name}`, () => {
    const suite = suiteLedger(make, LIMITS);
    const principal = suite.principal;
    let ledger: Ledger;
    beforeAll(() => {
      ledger = suite.ledger();
    });

    test("default: a denial's receiptId is listed as refused, found by auditReceipts and queued for anchoring", async () => {
      const p = await principal();
      const { receiptId } = await ledger.recordDenial(denialOf(p));
      expect(receiptId).toMatch(/^d\d+$/);

      const page = await ledger.listSpend({ principal: p, status: "refused", limit: 10 });
      expect(page.totals).toEqual({ spent: 0n, saved: 0n, count: 1 });
      expect(page.items).toEqual([
        {
          id: receiptId,
          principal: p,
          status: "refused",
          amount: 50_000n,
          request: {
            method: "GET",
            url: "https://api.example.com/data?key=[REDACTED]",
            host: "api.example.com",
            requestHash: expect.stringMatching(/^h-/),
          },
          quote: {
            scheme: "exact",
            network: "eip155:84532",
            asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
            payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
            x402Version: 2,
            maxTimeoutSeconds: 60,
          },
          txHash: null,
          outcomeCode: "BUDGET_EXCEEDED",
          createdAt: expect.any(Date),
          cached: false,
          saved: 0n,
        },
      ]);

      const receipts = await ledger.auditReceipts({ receiptId });
      expect(receipts).toHaveLength(1);
      expect(receipts[0]).toMatchObject({ kind: "denial", entry: receiptId.slice(1), seq: null });
      expect(receipts[0]?.receipt).toMatchObject({ receiptId, kind: "denial", code: "BUDGET_EXCEEDED", principal: p });
      expect((await ledger.auditStatus([receiptId])).get(receiptId)).toEqual({
        status: "queued",
        batchId: null,
        anchorTx: null,
      });
    });

    test("behavior: refusals stay out of the default listing and of every other status; totals never count them", async () => {
      const p = await principal();
      await ledger.recordDenial(denialOf(p));
      for (const status of [undefined, "settled", "released"] as const) {
        const page = await ledger.listSpend({ principal: p, status, limit: 10 });
        expect(page).toEqual({ items: [], nextCursor: null, totals: { spent: 0n, saved: 0n, count: 0 } });
      }
    });

    test("behavior: principal and host filters, newest first, paged by cursor without gaps", async () => {
      const p = await principal();
      const other = await principal();
      await ledger.recordDenial(denialOf(other));
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await ledger.recordDenial(denialOf(p, { code: "PAYEE_NOT_ALLOWED" }))).receiptId);
      const elsewhere = denialOf(p);
      elsewhere.request = { ...elsewhere.request, url: "https://other.example.org/x", host: "other.example.org" };
      const otherHost = (await ledger.recordDenial(elsewhere)).receiptId;

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await ledger.listSpend({ principal: p, status: "refused", limit: 4, cursor });
        expect(page.totals.count).toBe(6);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual([otherHost, ...ids.reverse()]);

      const byHost = await ledger.listSpend({ principal: p, status: "refused", host: "other.example.org", limit: 10 });
      expect(byHost.items.map((i) => i.id)).toEqual([otherHost]);
      const all = await ledger.listSpend({ principal: null, status: "refused", limit: 100 });
      expect(all.items.map((i) => i.principal)).toContain(other);
    });

    test("behavior: ids of the other form or of nothing find no receipt", async () => {
      const p = await principal();
      const { receiptId } = await ledger.recordDenial(denialOf(p));
      // the entry number alone names a ledger row, not the denial
      const asRow = await ledger.auditReceipts({ receiptId: receiptId.slice(1) });
      expect(asRow.every((r) => r.kind !== "denial")).toBe(true);
      expect(await ledger.auditReceipts({ receiptId: "d999999999999" })).toEqual([]);
      expect(await ledger.auditReceipts({ receiptId: "dx1" })).toEqual([]);
      expect((await ledger.auditStatus(["d999999999999"])).get("d999999999999")?.status).toBe("none");
    });
  });
}
