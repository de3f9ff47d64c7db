import type { Counter, Histogram, Registry } from "prom-client";
import { type AlertMetrics, alertMetrics } from "./alerts/alertMetrics.js";
import { type AuditMetrics, auditMetrics } from "./audit/auditMetrics.js";
import { deferred } from "./lazy.js";
import { promClient } from "./promClient.js";

/**
 * Every Prometheus metric of one Pag0 instance, on its own registry (never prom-client's global one, so tests and
 * several servers in one process do not share counters). To add metrics, write a `fooMetrics(registry)` group
 * beside `cacheMetrics` and add it to `Metrics` and `createMetrics()`.
 */
export interface Metrics {
  registry: Registry;
  cache: CacheMetrics;
  audit: AuditMetrics;
  tools: ToolMetrics;
  alerts: AlertMetrics;
}

/**
 * Every metric, built at the first use of any of them (prom-client loads then, not at startup).
 * @example const metrics = createMetrics(); res.end(await metrics.registry.metrics());
 */
export function createMetrics(): Metrics {
  let built: Metrics | undefined;
  const metrics = (): Metrics => {
    built ??= buildMetrics();
    return built;
  };
  return {
    get registry() {
      return metrics().registry;
    },
    // the groups are handed to stages and jobs when the app is built, long before a metric is recorded
    cache: deferred(() => metrics().cache),
    tools: deferred(() => metrics().tools),
    audit: deferred(() => metrics().audit),
    alerts: deferred(() => metrics().alerts),
  };
}

function buildMetrics(): Metrics {
  const { Registry, collectDefaultMetrics } = promClient();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "pag0_" });
  return {
    registry,
    cache: cacheMetrics(registry),
    tools: toolMetrics(registry),
    audit: auditMetrics(registry),
    alerts: alertMetrics(registry),
  };
}

export interface ToolMetrics {
  /** tool calls by tool and outcome: ok, or the error code */
  calls: Counter<"tool" | "outcome">;
  seconds: Histogram<"tool">;
  /** paid calls by network and how they ended: settled, unknown */
  payments: Counter<"network" | "status">;
  /** USDC paid, atomic units (6 decimals) */
  paidAtomic: Counter<"network">;
  /** ledger calls that failed (the call was refused: fail closed) */
  ledgerErrors: Counter;
}

function toolMetrics(registry: Registry): ToolMetrics {
  const { Counter, Histogram } = promClient();
  const registers = [registry];
  return {
    calls: new Counter({
      name: "pag0_tool_calls_total",
      help: "Tool calls by tool and outcome (ok or the error code)",
      labelNames: ["tool", "outcome"],
      registers,
    }),
    seconds: new Histogram({
      name: "pag0_tool_call_seconds",
      help: "Tool call latency",
      labelNames: ["tool"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    payments: new Counter({
      name: "pag0_payments_total",
      help: "Signed payments by network and outcome (settled; unknown; refused, held until the authorization expires)",
      labelNames: ["network", "status"],
      registers,
    }),
    paidAtomic: new Counter({
      name: "pag0_paid_usdc_atomic_total",
      help: "USDC paid, in atomic units (6 decimals)",
      labelNames: ["network"],
      registers,
    }),
    ledgerErrors: new Counter({ name: "pag0_ledger_errors_total", help: "Ledger calls that failed", registers }),
  };
}

export interface CacheMetrics {
  /** paid responses served from the cache; `scope` is principal or shared */
  hits: Counter<"scope">;
  /** lookups that found nothing fresh (the call went on to policy and payment) */
  misses: Counter;
  stores: Counter<"scope">;
  /** responses the cache declined: no_store, set_cookie, status, too_large, truncated, expired, vary_star */
  notStored: Counter<"reason">;
  /** cache operations skipped or failed because the cache store is failing; the call went on without it */
  bypassed: Counter<"op">;
  lookupSeconds: Histogram<"result">;
}

function cacheMetrics(registry: Registry): CacheMetrics {
  const { Counter, Histogram } = promClient();
  const registers = [registry];
  return {
    hits: new Counter({
      name: "pag0_cache_hits_total",
      help: "Paid responses served from the cache",
      labelNames: ["scope"],
      registers,
    }),
    misses: new Counter({ name: "pag0_cache_misses_total", help: "Cache lookups with no fresh entry", registers }),
    stores: new Counter({
      name: "pag0_cache_stores_total",
      help: "Paid responses stored in the cache",
      labelNames: ["scope"],
      registers,
    }),
    notStored: new Counter({
      name: "pag0_cache_not_stored_total",
      help: "Paid responses the cache declined to store, by reason",
      labelNames: ["reason"],
      registers,
    }),
    bypassed: new Counter({
      name: "pag0_cache_bypassed_total",
      help: "Cache operations skipped because the cache store failed; calls went on without the cache",
      labelNames: ["op"],
      registers,
    }),
    lookupSeconds: new Histogram({
      name: "pag0_cache_lookup_seconds",
      help: "Time to look a request up in the cache",
      labelNames: ["result"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
  };
}
