import { LRUCache } from "lru-cache";
import type { Logger } from "../logger.js";
import { type AlertEvent, alertKey, alertPayload } from "./alertEvent.js";
import type { AlertMetrics } from "./alertMetrics.js";

/** Tells the operator's chat what needs a look. `notify` returns at once and never throws; posts go out behind it. */
export interface Alerter {
  notify(event: AlertEvent): void;
  /** resolves once every alert queued so far has been posted (or has failed) */
  flush(): Promise<void>;
  /** stops taking alerts, gives the queue a moment to drain, then abandons what is left */
  close(): Promise<void>;
}

export interface WebhookAlerterDeps {
  /** ALERT_WEBHOOK_URL: it holds the webhook's token, so it is never logged */
  url: string;
  log: Logger;
  metrics: AlertMetrics;
  /** one post's deadline: a hanging webhook holds up the queue this long, never a tool call */
  timeoutMs?: number;
  /** posts per rolling minute; alerts past it are dropped (counted and logged) and may fire again later */
  perMinute?: number;
  /** alerts waiting to be posted; more are dropped */
  queueSize?: number;
  /** how long `close` waits for the queue */
  closeGraceMs?: number;
  now?: () => number;
}

/** An alerter that posts nothing: no ALERT_WEBHOOK_URL. */
export const silentAlerter: Alerter = { notify() {}, flush: async () => {}, close: async () => {} };

/**
 * Alerts to a Discord- or Slack-compatible webhook: deduplicated by `alertKey`, at most `perMinute` a minute, posted
 * one at a time by a background loop, each post bounded by `timeoutMs`.
 * @example const alerter = webhookAlerter({ url, log, metrics: metrics.alerts }); alerter.notify(event);
 */
export function webhookAlerter(deps: WebhookAlerterDeps): Alerter {
  const now = deps.now ?? Date.now;
  const timeoutMs = deps.timeoutMs ?? 5_000;
  const perMinute = deps.perMinute ?? 20;
  const queueSize = deps.queueSize ?? 100;
  const seen = new LRUCache<string, true>({ max: 10_000 });
  const acceptedAt: number[] = [];
  const queue: AlertEvent[] = [];
  const closing = new AbortController();
  let draining: Promise<void> | null = null;
  let warnedAt = Number.NEGATIVE_INFINITY;
  const count = (e: AlertEvent, result: string) => deps.metrics.alerts.inc({ kind: e.kind, result });

  const drop = (e: AlertEvent, result: "rate_limited" | "queue_full") => {
    count(e, result);
    if (now() - warnedAt < 60_000) return;
    warnedAt = now();
    deps.log.warn({ kind: e.kind, result, perMinute }, "alert dropped: too many alerts");
  };

  const post = async (e: AlertEvent) => {
    try {
      const res = await fetch(deps.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(alertPayload(e, new Date(now()))),
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), closing.signal]),
      });
      await res.body?.cancel().catch(() => {});
      if (res.ok) return count(e, "sent");
      count(e, "failed");
      deps.log.warn({ kind: e.kind, status: res.status }, "the alert webhook refused an alert");
    } catch (err) {
      count(e, "failed");
      // the error alone, never the request: undici's messages and causes can quote the webhook URL
      const code = (err as { cause?: { code?: unknown } }).cause?.code;
      deps.log.warn({ kind: e.kind, error: (err as Error).name, code }, "an alert could not be posted");
    }
  };

  const drain = async () => {
    for (let e = queue.shift(); e; e = queue.shift()) await post(e);
  };
  const flush = async () => {
    while (draining) await draining;
  };

  return {
    notify(event) {
      try {
        if (closing.signal.aborted) return;
        const key = alertKey(event);
        if (seen.has(key)) return count(event, "deduplicated");
        while (acceptedAt.length && now() - acceptedAt[0]! >= 60_000) acceptedAt.shift();
        if (acceptedAt.length >= perMinute) return drop(event, "rate_limited");
        if (queue.length >= queueSize) return drop(event, "queue_full");
        seen.set(key, true);
        acceptedAt.push(now());
        queue.push(event);
        draining ??= drain().finally(() => {
          draining = null;
        });
      } catch (err) {
        deps.log.warn({ err }, "alert not queued");
      }
    },
    flush,
    async close() {
      const grace = deps.closeGraceMs ?? 1_000;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, grace);
      });
      await Promise.race([flush(), late]).finally(() => clearTimeout(timer));
      queue.length = 0;
      closing.abort();
      await flush();
    },
  };
}
