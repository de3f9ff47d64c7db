import { deny } from "../denial.js";
import { checkHost, type HostLists } from "../policy/hostRules.js";
import type { Stage } from "./compose.js";
import type { PrincipalHostLists } from "./principalHosts.js";

export interface PrecheckDeps extends HostLists {
  /** the caller's own host lists, applied on top of the server-wide ones (see principalHosts) */
  principalHosts?: (principal: string) => Promise<PrincipalHostLists>;
}

/** The checks that need no network: scheme and host allow/block lists. Address safety is checked on connect. */
export function precheckStage(deps: PrecheckDeps): Stage {
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
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const hostDenial = checkHost(host, deps);
    if (hostDenial) return hostDenial;
    if (deps.principalHosts) {
      const own = await deps.principalHosts(ctx.principal);
      const ownDenial = checkHost(host, own.lists, "principal");
      if (ownDenial) return ownDenial;
      if (!own.fresh) ctx.hostPolicyUnread = true;
    }
    return next();
  };
}
