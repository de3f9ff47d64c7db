/** USDC has 6 decimals on every network Pag0 pays on; budgets are kept in these atomic units. */
export const USDC_DECIMALS = 6;

const DECIMAL = /^\d+(\.\d{1,6})?$/;

/** True for a non-negative decimal string with at most 6 decimals, e.g. "0.01". */
export const isDecimalAmount = (value: string): boolean => DECIMAL.test(value);

/** "0.01" → 10000n. Throws on anything that is not a plain non-negative decimal. */
export function toAtomic(value: string): bigint {
  if (!isDecimalAmount(value)) throw new Error(`not a decimal USDC amount: ${value}`);
  const [whole = "0", frac = ""] = value.split(".");
  return BigInt(whole + frac.padEnd(USDC_DECIMALS, "0"));
}

/** 10000n → "0.01"; always at least two decimals so amounts read like money. */
export function toDecimal(atomic: bigint): string {
  const digits = (atomic < 0n ? -atomic : atomic).toString().padStart(USDC_DECIMALS + 1, "0");
  const whole = digits.slice(0, -USDC_DECIMALS);
  const frac = digits.slice(-USDC_DECIMALS).replace(/0+$/, "").padEnd(2, "0");
  return `${atomic < 0n ? "-" : ""}${whole}.${frac}`;
}
