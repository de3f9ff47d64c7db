import { expect } from "vitest";
import type { World } from "../world/world.js";

/**
 * Concurrent paid_fetch results against a budget for `count` payments of `price`: exactly `count` paid (each in
 * its own settlement), every other call refused with BUDGET_EXCEEDED, and the chain agrees (payee and payer).
 * Returns the paid results.
 */
export async function expectPaidExactly(
  world: World,
  results: any[],
  o: { count: number; price: bigint; payTo: `0x${string}`; payer: `0x${string}`; funded?: bigint },
): Promise<any[]> {
  const paid = results.filter((r) => !r.isError);
  expect(paid).toHaveLength(o.count);
  expect(new Set(results.filter((r) => r.isError).map((r) => r.structuredContent.error.code))).toEqual(
    new Set(["BUDGET_EXCEEDED"]),
  );
  expect(new Set(paid.map((r) => r.structuredContent.payment.txHash)).size).toBe(o.count);
  expect(await world.balanceOf(o.payTo)).toBe(BigInt(o.count) * o.price);
  expect(await world.balanceOf(o.payer)).toBe((o.funded ?? 100_000_000n) - BigInt(o.count) * o.price);
  return paid;
}
