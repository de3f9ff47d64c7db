import { formatUnits, parseUnits } from "viem";
import { describe, expect, test } from "vitest";
import { isDecimalAmount, toAtomic, toDecimal } from "../src/money.js";

// viem's parseUnits/formatUnits are the reference; money.ts avoids loading viem at startup
const AMOUNTS = ["0", "0.0", "0.000001", "0.01", "0.1", "1", "1.5", "10.000001", "123456789.123456", "007.10"];

describe("money", () => {
  test.each(AMOUNTS)("behavior: toAtomic(%s) agrees with viem's parseUnits", (value) => {
    expect(toAtomic(value)).toBe(parseUnits(value, 6));
  });

  test.each([0n, 1n, 10n, 10_000n, 100_000n, 1_000_000n, 1_230_000n, 123_456_789_123_456n, -2_500_000n])(
    "behavior: toDecimal(%s) is viem's formatUnits with at least two decimals",
    (atomic) => {
      const reference = formatUnits(atomic, 6);
      const [whole, frac = ""] = reference.split(".");
      expect(toDecimal(atomic)).toBe(`${whole}.${frac.padEnd(2, "0")}`);
      expect(toAtomic(toDecimal(atomic < 0n ? -atomic : atomic))).toBe(atomic < 0n ? -atomic : atomic);
    },
  );

  test.each(["", ".5", "1.", "-1", "1e3", "0.0000001", "1,5", " 1"])("behavior: %j is not an amount", (value) => {
    expect(isDecimalAmount(value)).toBe(false);
    expect(() => toAtomic(value)).toThrow(/not a decimal USDC amount/);
  });
});
