import type { Counter, Registry } from "prom-client";
import { promClient } from "../promClient.js";

export interface AlertMetrics {
  /** alerts by kind and what became of them: sent, failed, deduplicated, rate_limited, queue_full */
  alerts: Counter<"kind" | "result">;
}

/** The alerts group of `Metrics` (src/metrics.ts). */
export function alertMetrics(registry: Registry): AlertMetrics {
  const { Counter } = promClient();
  return {
    alerts: new Counter({
      name: "pag0_alerts_total",
      help: "Webhook alerts by kind and result (sent, failed, deduplicated, rate_limited, queue_full)",
      labelNames: ["kind", "result"],
      registers: [registry],
    }),
  };
}
