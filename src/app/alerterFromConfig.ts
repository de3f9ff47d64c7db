import { type Alerter, silentAlerter, webhookAlerter } from "../alerts/alerter.js";
import type { Config } from "../config/loadConfig.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";

/** The webhook alerter when ALERT_WEBHOOK_URL is set, else one that posts nothing. */
export function alerterFromConfig(config: Config, log: Logger, metrics: Metrics): Alerter {
  if (!config.alertWebhookUrl) return silentAlerter;
  return webhookAlerter({ url: config.alertWebhookUrl, log: log.child({ job: "alerts" }), metrics: metrics.alerts });
}
