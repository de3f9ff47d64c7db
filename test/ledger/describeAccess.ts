import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.js";

const LIMITS = { perRequest: 10_000n, daily: 100_000n, monthly: 1_000_000n };

/**
 * The access part of the ledger port (API keys, principals' limits, the wallet's limits, approvals), the same on
 * every adapter: PGlite, postgres.js and supabase-js.
 */
export function describeAccess(name: string, make: () => Promise<Ledger>): void {
  describe(`ledger access: ${name}`, () => {
    let ledger: Ledger;
    beforeAll(async () => {
      ledger = await make();
    });
    afterAll(async () => {
      await ledger?.close();
    });
    const principal = async () => {
      const p = `p-${randomUUID()}`;
      await ledger.upsertPrincipal(p, LIMITS);
      return p;
    };

    test("behavior: a principal's own host lists are set, kept when omitted, cleared when empty, and read back everywhere", async () => {
      const p = await principal();
      expect(await ledger.setPrincipalHosts(p, { allowedHosts: ["API.example.com", "*.data.example"] })).toBe(true);
      expect(await ledger.setPrincipalHosts(p, { blockedHosts: ["bad.example"] })).toBe(true);
      const lists = { allowedHosts: ["api.example.com", "*.data.example"], blockedHosts: ["bad.example"] };
      expect((await ledger.budgetStatus(p))?.policy).toEqual(lists);
      expect((await ledger.listPrincipals()).find((x) => x.principal === p)).toEqual({
        principal: p,
        limits: LIMITS,
        ...lists,
      });
      // a limit change keeps the lists
      await ledger.upsertPrincipal(p, { ...LIMITS, daily: 50_000n });
      expect((await ledger.budgetStatus(p))?.policy).toEqual(lists);
      expect(await ledger.setPrincipalHosts(p, { allowedHosts: [] })).toBe(true);
      expect((await ledger.budgetStatus(p))?.policy).toEqual({ allowedHosts: [], blockedHosts: ["bad.example"] });
      expect((await ledger.budgetStatus(await principal()))?.policy).toEqual({ allowedHosts: [], blockedHosts: [] });
      expect(await ledger.setPrincipalHosts(`p-${randomUUID()}`, { allowedHosts: ["x.example"] })).toBe(false);
    });

    test("default: a key is verified by its hash with its scopes, listed without it, and dead once revoked", async () => {
      const p = await principal();
      const id = `k-${randomUUID().slice(0, 8)}`;
      const keyHash = `h-${randomUUID()}`;
      expect(await ledger.createApiKey({ id, principal: p, keyHash, scopes: ["fetch", "read"], label: "agent" })).toBe(
        true,
      );
      expect(await ledger.verifyApiKey(keyHash)).toEqual({ id, principal: p, scopes: ["fetch", "read"] });
      expect(await ledger.verifyApiKey(`h-${randomUUID()}`)).toBeNull();
      const listed = (await ledger.listApiKeys()).find((k) => k.id === id);
      expect(listed).toMatchObject({ id, principal: p, label: "agent", revokedAt: null });
      expect(JSON.stringify(listed)).not.toContain(keyHash);
      expect(await ledger.revokeApiKey(id)).toBe(true);
      expect(await ledger.verifyApiKey(keyHash)).toBeNull();
      expect((await ledger.listApiKeys()).find((k) => k.id === id)?.revokedAt).toBeInstanceOf(Date);
      expect(await ledger.revokeApiKey(`k-${randomUUID().slice(0, 8)}`)).toBe(false);
    });

    test("behavior: a key for an unknown principal, or a second key with the same id or hash, is not created", async () => {
      const p = await principal();
      const id = `k-${randomUUID().slice(0, 8)}`;
      const keyHash = `h-${randomUUID()}`;
      expect(await ledger.createApiKey({ id, principal: `p-${randomUUID()}`, keyHash, scopes: ["read"] })).toBe(false);
      expect(await ledger.createApiKey({ id, principal: p, keyHash, scopes: ["read"] })).toBe(true);
      // the same id, or the same key hash, is refused as what it is, not as the ledger being down; nothing is written
      await expect(
        ledger.createApiKey({ id, principal: p, keyHash: `h-${randomUUID()}`, scopes: ["operator"] }),
      ).rejects.toMatchObject({ code: "INVALID_INPUT", message: expect.stringContaining("exists already") });
      const other = await principal();
      await expect(
        ledger.createApiKey({ id: `k-${randomUUID().slice(0, 8)}`, principal: other, keyHash, scopes: ["operator"] }),
      ).rejects.toMatchObject({ code: "INVALID_INPUT" });
      expect(await ledger.verifyApiKey(keyHash)).toEqual({ id, principal: p, scopes: ["read"] });
    });

    test("behavior: principals' limits are listed as set, and set again in place", async () => {
      const p = await principal();
      expect((await ledger.listPrincipals()).find((x) => x.principal === p)?.limits).toEqual(LIMITS);
      const raised = { perRequest: 20_000n, daily: 200_000n, monthly: 2_000_000n };
      await ledger.upsertPrincipal(p, raised);
      expect((await ledger.listPrincipals()).filter((x) => x.principal === p)).toEqual([
        { principal: p, limits: raised, allowedHosts: [], blockedHosts: [] },
      ]);
    });

    test("behavior: the wallet-wide limits bind every principal's reservation", async () => {
      const p = await principal();
      await ledger.setWalletLimits({ daily: 5_000n, monthly: 1_000_000n });
      try {
        const reserve = (amount: bigint) =>
          ledger.reserve({
            principal: p,
            amount,
            idempotencyKey: randomUUID(),
            request: { method: "GET", url: "https://x.example/", host: "x.example", requestHash: randomUUID() },
            quote: {
              scheme: "exact",
              network: "eip155:84532",
              asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
              payTo: "0x1111111111111111111111111111111111111111",
              x402Version: 2,
              maxTimeoutSeconds: 60,
            },
            ttlSeconds: 60,
          });
        expect(await reserve(6_000n)).toMatchObject({ ok: false, reason: "wallet_daily_limit" });
      } finally {
        await ledger.setWalletLimits({ daily: 10n ** 15n, monthly: 10n ** 15n });
      }
    });

    test("behavior: rate limit hits count exactly per key, concurrent ones too, and start again in a new window", async () => {
      const key = `rl-${randomUUID()}`;
      const before = Date.now();
      const first = await ledger.rateLimitHit(key, 60_000);
      expect(first.count).toBe(1);
      // the database's clock: within a few seconds of this one
      expect(Math.abs(first.resetAt.getTime() - (before + 60_000))).toBeLessThan(5_000);
      const counts = await Promise.all(Array.from({ length: 12 }, () => ledger.rateLimitHit(key, 60_000)));
      expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 2));
      expect(new Set(counts.map((c) => c.resetAt.getTime()))).toEqual(new Set([first.resetAt.getTime()]));
      expect((await ledger.rateLimitHit(`rl-${randomUUID()}`, 60_000)).count).toBe(1);

      const short = `rl-${randomUUID()}`;
      await ledger.rateLimitHit(short, 300);
      expect((await ledger.rateLimitHit(short, 300)).count).toBe(2);
      await new Promise((r) => setTimeout(r, 400));
      const next = await ledger.rateLimitHit(short, 300);
      expect(next.count).toBe(1);
      expect(next.resetAt.getTime()).toBeGreaterThan(Date.now());
    });

    test("behavior: an approval is filed once per quote, decided once, and used exactly once", async () => {
      const p = await principal();
      const request = {
        id: randomUUID(),
        principal: p,
        idempotencyKey: randomUUID(),
        quoteHash: `q-${randomUUID()}`,
        details: { amount: "0.05" },
        ttlSeconds: 600,
      };
      const filed = await ledger.requestApproval(request);
      expect(filed).toMatchObject({ id: request.id, status: "pending" });
      expect(await ledger.requestApproval({ ...request, id: randomUUID() })).toMatchObject({ id: request.id });
      expect((await ledger.listApprovals("pending")).map((a) => a.id)).toContain(request.id);
      expect(await ledger.consumeApproval(p, request.idempotencyKey, request.quoteHash)).toBe("pending");

      expect(await ledger.decideApproval(request.id, true)).toMatchObject({ ok: true, status: "approved" });
      expect(await ledger.decideApproval(request.id, false)).toMatchObject({ ok: false });
      expect(await ledger.consumeApproval(p, request.idempotencyKey, request.quoteHash)).toBe("approved");
      expect(await ledger.consumeApproval(p, request.idempotencyKey, request.quoteHash)).toBe("used");
      expect(await ledger.consumeApproval(p, request.idempotencyKey, `q-${randomUUID()}`)).toBe("none");
    });

    test("behavior: a denied approval stays denied and is never usable", async () => {
      const p = await principal();
      const id = randomUUID();
      const r = { id, principal: p, idempotencyKey: randomUUID(), quoteHash: "q", details: {}, ttlSeconds: 600 };
      await ledger.requestApproval(r);
      expect(await ledger.decideApproval(id, false)).toMatchObject({ ok: true, status: "denied" });
      expect(await ledger.consumeApproval(p, r.idempotencyKey, "q")).toBe("denied");
      expect((await ledger.listApprovals("denied")).map((a) => a.id)).toContain(id);
    });
  });
}
