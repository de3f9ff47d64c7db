import { createRequire } from "node:module";
import type * as Prom from "prom-client";

let loaded: typeof Prom | undefined;

/**
 * prom-client, required at its first use: it takes about 30 ms to load, and `pag0 stdio` answers `initialize`
 * before any metric is touched (a CommonJS package, so a synchronous require works where a metric is recorded).
 */
export const promClient = (): typeof Prom => {
  loaded ??= createRequire(import.meta.url)("prom-client") as typeof Prom;
  return loaded;
};
