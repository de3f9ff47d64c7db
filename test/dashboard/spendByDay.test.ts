import { describe, expect, test } from "vitest";
import type { SpendItem } from "../../src/dashboard/operatorView.js";
import { spendByDay, utcDayStart } from "../../src/dashboard/spendByDay.js";

const NOW = new Date("2026-11-26T10:00:00Z");

/** A list_spend item with `overrides`: by default a settled 0.01 USDC payment of `a` today. */
const item = (overrides: Partial<SpendItem> = {}): SpendItem => ({
  receiptId: "1",
  at: "2026-11-26T09:00:00.000Z",
  principal: "a",
  method: "GET",
  url: "https://api.example.com/x",
  host: "api.example.com",
  status: "settled",
  amount: "0.01",
  asset: "0x0",
  network: "eip155:84532",
  payTo: "0x1",
  txHash: "0x2",
  cached: false,
  saved: "0.00",
  audit: { status: "queued", batchId: null, anchorTx: null },
  ...overrides,
});

describe("spendByDay", () => {
  test("default: one zero-filled value per UTC day, oldest first, today last", () => {
    const chart = spendByDay([item()], 3, NOW);
    expect(chart.days).toEqual(["2026-11-24", "2026-11-25", "2026-11-26"]);
    expect(chart.series).toEqual([{ principal: "a", spent: ["0.00", "0.00", "0.01"] }]);
    expect(chart.saved).toEqual(["0.00", "0.00", "0.00"]);
  });

  test("behavior: sums exactly per day and principal (no float drift), principals by name", () => {
    const items = [
      item({ principal: "b", amount: "0.1" }),
      item({ principal: "b", amount: "0.2" }),
      item({ principal: "a", amount: "0.000001", at: "2026-11-25T23:59:59.999Z" }),
    ];
    expect(spendByDay(items, 2, NOW).series).toEqual([
      { principal: "a", spent: ["0.000001", "0.00"] },
      { principal: "b", spent: ["0.00", "0.30"] },
    ]);
  });

  test("behavior: only settled rows count; cache hits add their saving; rows outside the window are left out", () => {
    const items = [
      item({ status: "released", amount: "5.00" }),
      item({ status: "unknown", amount: "5.00" }),
      item({ cached: true, amount: "0.00", saved: "0.04" }),
      item({ at: "2026-11-20T00:00:00Z", amount: "7.00" }),
      item({ at: "2026-11-27T00:00:00Z", amount: "7.00" }),
    ];
    const chart = spendByDay(items, 2, NOW);
    expect(chart.series).toEqual([{ principal: "a", spent: ["0.00", "0.00"] }]);
    expect(chart.saved).toEqual(["0.00", "0.04"]);
  });

  test("behavior: utcDayStart is midnight UTC, whatever the time of day", () => {
    expect(utcDayStart(NOW).toISOString()).toBe("2026-11-26T00:00:00.000Z");
    expect(utcDayStart(new Date("2026-12-01T23:59:59Z"), 1).toISOString()).toBe("2026-11-30T00:00:00.000Z");
  });
});
