import { deny } from "../denial.js";
import { checkHost } from "../policy/hostRules.js";
import type { Stage } from "./compose.js";

/** The checks that need no network: scheme and host allow/block lists. Address safety is checked on connect. */
export function precheckStage(deps: { allowedHosts: string[]; blockedHosts: string[] }): Stage {
  return async function precheckStage(ctx, next) {
    const { url } = ctx.request;
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return deny("URL_NOT_ALLOWED", `Only http and https URLs can be fetched, not ${url.protocol}`, {
        scheme: url.protocol.replace(/:$/, ""),
      });
    }
    if (url.username || url.password) {
      return deny("URL_NOT_ALLOWED", "URLs with embedded credentials are refused; send them in headers instead.");
    }
    const hostDenial = checkHost(url.hostname.replace(/^\[|\]$/g, ""), deps);
    if (hostDenial) return hostDenial;
    return next();
  };
}
