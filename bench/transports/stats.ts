/** Median and p95 (nearest rank) of a list of samples. */
export interface Stats {
  median: number;
  p95: number;
}

export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
  return { median: at(0.5), p95: at(0.95) };
}

/**
 * Time `n` sequential runs of each case, interleaved (a, b, a, b, …) after one warm-up run of each, so drift on a
 * busy machine hits both alike. Each run checks its own result and throws when it is wrong. A run that returns a
 * number has timed itself (ms), e.g. to leave its setup and teardown out.
 */
export async function interleaved<K extends string>(
  n: number,
  cases: Record<K, () => Promise<unknown>>,
  warmups = 3,
): Promise<Record<K, Stats>> {
  const names = Object.keys(cases) as K[];
  for (let i = 0; i < warmups; i++) for (const k of names) await cases[k]();
  const times = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < n; i++) {
    for (const k of names) {
      const t0 = performance.now();
      const own = await cases[k]();
      times[k].push(typeof own === "number" ? own : performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((k) => [k, stats(times[k])])) as Record<K, Stats>;
}

/** Calls per second of `call`, `total` times with `inFlight` at once. */
export async function rate(total: number, inFlight: number, call: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(inFlight, total) }, async () => {
      while (next < total) await call(next++);
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

export const ms = (x: number) => `${x.toFixed(2)} ms`;
export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
