import { toAtomic, toDecimal } from "../money.js";
import type { SpendItem } from "./operatorView.js";

const DAY_MS = 86_400_000;

/** What the spend chart draws: one value per UTC day and principal, money as decimal strings. */
export interface SpendChart {
  /** UTC days, oldest first, as YYYY-MM-DD */
  days: string[];
  /** principals that spent or saved anything in the window, by name */
  series: { principal: string; spent: string[] }[];
  /** what the cache saved per day, every principal together */
  saved: string[];
}

/** The first instant of the UTC day `daysBack` days before `now`'s. */
export function utcDayStart(now: Date, daysBack = 0): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - daysBack * DAY_MS);
}

/**
 * Settled spend (and cache savings) per UTC day and principal, over `days` days ending with `now`'s; days with
 * nothing are zero, so the chart's x axis has no gaps.
 * @example spendByDay(items, 30, new Date()).series[0]?.spent.at(-1) // what the first principal spent today
 */
export function spendByDay(items: readonly SpendItem[], days: number, now: Date): SpendChart {
  const first = utcDayStart(now, days - 1).getTime();
  const dayKeys = Array.from({ length: days }, (_, i) => new Date(first + i * DAY_MS).toISOString().slice(0, 10));
  const spent = new Map<string, bigint[]>();
  const saved = dayKeys.map(() => 0n);
  for (const item of items) {
    if (item.status !== "settled") continue;
    const index = Math.floor((Date.parse(item.at) - first) / DAY_MS);
    if (index < 0 || index >= days) continue;
    const row = spent.get(item.principal) ?? dayKeys.map(() => 0n);
    row[index] = (row[index] ?? 0n) + toAtomic(item.amount);
    spent.set(item.principal, row);
    saved[index] = (saved[index] ?? 0n) + toAtomic(item.saved);
  }
  return {
    days: dayKeys,
    series: [...spent.keys()].sort().map((principal) => ({
      principal,
      spent: (spent.get(principal) ?? []).map(toDecimal),
    })),
    saved: saved.map(toDecimal),
  };
}
