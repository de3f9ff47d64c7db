import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.js";
import { type HttpPag0, startHttpPag0 } from "../support/testHttpPag0.js";
import { openTestLedger } from "../support/testLedger.js";
import { startWorld, type World } from "../world/world.js";

let world: World;
let ledger: Ledger; // this file's own ledger: the wallet-wide limit spans every principal in it
let pag0: HttpPag0;
let payer: { key: `0x${string}`; address: `0x${string}` };
const PRICE = 10_000n;

beforeAll(async () => {
  [world, ledger] = await Promise.all([startWorld(), openTestLedger()]);
  payer = await world.newPayer();
  pag0 = await startHttpPag0({ world, ledger, payerKey: payer.key });
});
afterAll(async () => {
  await pag0?.close();
  await ledger?.close();
  await world?.stop();
});

describe("wallet-wide budget", () => {
  test("behavior: 200 concurrent calls from 4 keys: no principal's limit and not the wallet's is exceeded", async () => {
    // each principal's own daily budget fits 5 payments (20 together); the wallet's fits 12
    await ledger.setWalletLimits({ daily: 12n * PRICE, monthly: 1_000n * PRICE });
    const names = ["w1", "w2", "w3", "w4"];
    const clients = await Promise.all(
      names.map(async (n) => pag0.client(await pag0.key(n, ["fetch"], { daily: 5n * PRICE, perRequest: PRICE }))),
    );
    const payTo = world.newAddress();
    const url = world.v2.route({ price: PRICE, payTo });

    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        clients[i % 4]!.callTool({ name: "paid_fetch", arguments: { url, cache: "bypass" } }).then((r: any) => ({
          who: names[i % 4],
          r,
        })),
      ),
    );

    const paid = results.filter(({ r }) => !r.isError);
    expect(paid).toHaveLength(12);
    for (const n of names) expect(paid.filter((p) => p.who === n).length).toBeLessThanOrEqual(5);
    const codes = new Set(results.filter(({ r }) => r.isError).map(({ r }) => r.structuredContent.error.code));
    expect(codes).toEqual(new Set(["BUDGET_EXCEEDED"]));
    // on chain: exactly the wallet's limit left the payer
    expect(await world.balanceOf(payTo)).toBe(12n * PRICE);
    expect(await world.balanceOf(payer.address)).toBe(100_000_000n - 12n * PRICE);
    // in the ledger: every principal within its own budget, the total within the wallet's
    let total = 0n;
    for (const n of names) {
      const s = await ledger.budgetStatus(n);
      expect(s!.spent.today).toBeLessThanOrEqual(5n * PRICE);
      expect(s!.reserved.today).toBe(0n);
      total += s!.spent.today;
    }
    expect(total).toBe(12n * PRICE);
  });
});
