import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Authorization, Ledger, SpendRow } from "../../src/ledger/ledger.js";
import { testReserveInput } from "../support/reserveInput.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** a cutoff an hour ago: no row of these tests is past the signed grace, so only leases decide */
const withinGrace = () => new Date(Date.now() - 3_600_000);

/**
 * Instance leases and what they mean to `pendingOutcomes`, on one ledger adapter: a signed row is the reconciler's
 * as soon as its signer's lease has lapsed or was given up, and never while it is fresh.
 */
export function describeInstanceLeases(name: string, make: () => Promise<Ledger>): void {
  describe(`ledger instance leases: ${name}`, () => {
    let ledger: Ledger;
    let principal: string;
    beforeAll(async () => {
      ledger = await make();
      principal = `p-${randomUUID()}`;
      await ledger.upsertPrincipal(principal, { perRequest: 100n, daily: 1_000n, monthly: 10_000n });
    });
    afterAll(async () => {
      await ledger?.close();
    });

    const auth = (): Authorization => ({
      payer: "0x1111111111111111111111111111111111111111",
      nonce: `0x${randomBytes(32).toString("hex")}`,
      validBefore: BigInt(Math.floor(Date.now() / 1000) + 600),
    });

    /** a row signed by `instance` (lease `leaseSeconds`), or by nobody */
    async function signedBy(instance: string | null, leaseSeconds = 60): Promise<SpendRow> {
      const r = await ledger.reserve(testReserveInput(principal));
      if (!r.ok) throw new Error(`not reserved: ${r.reason}`);
      return ledger.markSigned(r.spend.id, auth(), instance === null ? undefined : { instance, leaseSeconds });
    }

    const pending = async (cutoff = withinGrace()) => (await ledger.pendingOutcomes(cutoff)).map((r) => r.id);

    test("default: a heartbeat holds the lease for its ttl by the database's clock", async () => {
      const before = Date.now();
      const until = await ledger.instanceHeartbeat(`i-${randomUUID()}`, 8);
      expect(until.getTime()).toBeGreaterThanOrEqual(before + 8_000 - 1_000);
      expect(until.getTime()).toBeLessThanOrEqual(Date.now() + 8_000 + 1_000);
    });

    test("behavior: a row whose signer's lease is fresh is not pending, however often the reconciler asks", async () => {
      const instance = `i-${randomUUID()}`;
      await ledger.instanceHeartbeat(instance, 60);
      const row = await signedBy(instance);
      expect(await pending()).not.toContain(row.id);
      await ledger.instanceHeartbeat(instance, 60);
      expect(await pending()).not.toContain(row.id);
    });

    test("behavior: once the signer's lease lapses, its signed row is pending at once, before the grace", async () => {
      const instance = `i-${randomUUID()}`;
      const row = await signedBy(instance, 1); // markSigned itself takes the lease: no heartbeat before
      expect(await pending()).not.toContain(row.id);
      await sleep(1_200);
      expect(await pending()).toContain(row.id);
      // a late heartbeat of a live instance gives it the row back
      await ledger.instanceHeartbeat(instance, 60);
      expect(await pending()).not.toContain(row.id);
    });

    test("behavior: a released lease, or one never taken, makes the signer's rows pending at once", async () => {
      const instance = `i-${randomUUID()}`;
      const row = await signedBy(instance);
      await ledger.instanceRelease(instance);
      expect(await pending()).toContain(row.id);
      await ledger.instanceRelease(instance); // replay-safe
      expect(await pending()).toContain(row.id);
    });

    test("behavior: a row with no signer waits out the grace; any signed row past it is pending", async () => {
      const instance = `i-${randomUUID()}`;
      const [nobody, fresh] = [await signedBy(null), await signedBy(instance)];
      expect(await pending()).not.toContain(nobody.id);
      const later = await pending(new Date(Date.now() + 60_000));
      expect(later).toEqual(expect.arrayContaining([nobody.id, fresh.id]));
    });

    test("behavior: a heartbeat never shortens a lease, and markSigned renews it", async () => {
      const instance = `i-${randomUUID()}`;
      const long = await ledger.instanceHeartbeat(instance, 60);
      expect(await ledger.instanceHeartbeat(instance, 1)).toEqual(long);
      const short = `i-${randomUUID()}`;
      await ledger.instanceHeartbeat(short, 1);
      const row = await signedBy(short, 60);
      await sleep(1_200);
      expect(await pending()).not.toContain(row.id);
    });

    test("behavior: decided rows are never pending, lease or not", async () => {
      const instance = `i-${randomUUID()}`;
      const [settled, released] = [await signedBy(instance), await signedBy(instance)];
      await ledger.settle(settled.id, { txHash: "0x01" });
      await ledger.release(released.id, "AUTHORIZATION_EXPIRED");
      await ledger.instanceRelease(instance);
      expect(await pending()).not.toContain(settled.id);
      expect(await pending()).not.toContain(released.id);
    });
  });
}
