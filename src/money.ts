import { formatUnits, parseUnits } from "viem";

/** USDC has 6 decimals on every network Pag0 pays on; budgets are kept in these atomic units. */
export const USDC_DECIMALS = 6;

const DECIMAL = /^\d+(\.\d{1,6})?$/;

/** True for a non-negative decimal string with at most 6 decimals, e.g. "0.01". */
export const isDecimalAmount = (value: string): boolean => DECIMAL.test(value);

/** "0.01" → 10000n. Throws on anything that is not a plain non-negative decimal. */
export function toAtomic(value: string): bigint {
  if (!isDecimalAmount(value)) throw new Error(`not a decimal USDC amount: ${value}`);
  return parseUnits(value, USDC_DECIMALS);
}

/** 10000n → "0.01"; always at least two decimals so amounts read like money. */
export function toDecimal(atomic: bigint): string {
  const s = formatUnits(atomic, USDC_DECIMALS);
  const [whole, frac = ""] = s.split(".");
  return `${whole}.${frac.padEnd(2, "0")}`;
}
