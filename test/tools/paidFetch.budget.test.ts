import { describe, expect, test } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.js";
import { startTestPag0, type TestPag0 } from "../support/testPag0.js";
import { withWorld } from "../support/withWorld.js";
import type { World } from "../world/world.js";

let world: World;
let ledger: Ledger;
const started: TestPag0[] = [];

withWorld((w, l) => {
  world = w;
  ledger = l;
}, started);

const PRICE = 10_000n;

describe("paid_fetch budgets under concurrency", () => {
  test.each([
    ["daily", { daily: 10n * PRICE, monthly: 1_000n * PRICE }, "day"],
    ["monthly", { daily: 1_000n * PRICE, monthly: 10n * PRICE }, "month"],
  ] as const)(
    "behavior: 200 concurrent calls with a %s budget for 10 pay exactly 10",
    async (_name, limits, window) => {
      const payer = await world.newPayer();
      const pag0 = await startTestPag0({
        world,
        ledger,
        payerKey: payer.key,
        limits: { perRequest: PRICE, ...limits },
      });
      started.push(pag0);
      const payTo = world.newAddress();
      const url = world.v2.route({ price: PRICE, payTo });

      // bypass: without it the cache would serve 199 of these what the first one bought, and pay once
      const results = await Promise.all(
        Array.from({ length: 200 }, () => pag0.call("paid_fetch", { url, cache: "bypass" })),
      );

      const paid = results.filter((r) => !r.isError);
      const refused = results.filter((r) => r.isError);
      expect(paid).toHaveLength(10);
      expect(refused).toHaveLength(190);
      expect(new Set(refused.map((r) => r.structuredContent.error.code))).toEqual(new Set(["BUDGET_EXCEEDED"]));
      expect(refused[0]?.structuredContent.error.details.window).toBe(window);
      // on chain: exactly ten transfers of the price, and nothing else left the payer
      expect(await world.balanceOf(payTo)).toBe(10n * PRICE);
      expect(await world.balanceOf(payer.address)).toBe(100_000_000n - 10n * PRICE);
      expect(new Set(paid.map((r) => r.structuredContent.payment.txHash)).size).toBe(10);
      expect(pag0.deps.wallet?.signatureCount).toBe(10);
      // in the ledger: spent == 10 × price, nothing left reserved
      const budget = (await pag0.call("get_budget", {})).structuredContent;
      expect(budget.spent.today).toBe("0.10");
      expect(budget.reserved).toBe("0.00");
    },
  );
});
