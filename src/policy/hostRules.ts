import { type Denial, deny } from "../denial.js";

/** A host allow or block list pair: the server's (config) or one principal's own (`pag0 policy set`). */
export interface HostLists {
  allowedHosts: string[];
  blockedHosts: string[];
}

/**
 * Does `host` match `pattern`? Patterns are exact hosts or `*.example.com` (any depth of subdomain, not the apex).
 * A bare `*` matches everything.
 */
export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase().replace(/\.$/, "");
  if (p === "*") return true;
  if (p.startsWith("*.")) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return h === p;
}

/** A pattern `hostMatches` can match: `*`, a host name or IP literal, or `*.` and a host name; no scheme, port or path. */
export const isHostPattern = (pattern: string): boolean => /^(\*|(\*\.)?[a-z0-9_:][a-z0-9_.:-]*)$/i.test(pattern);

/**
 * Host allow/block lists: a blocked host is refused even if it is also allowed; an empty allow list allows any.
 * `scope` says whose lists they are, in the message and in `details.scope`.
 */
export function checkHost(host: string, rules: HostLists, scope: "server" | "principal" = "server"): Denial | null {
  const own = scope === "principal" ? "this principal's " : "";
  if (rules.blockedHosts.some((p) => hostMatches(p, host))) {
    return deny("HOST_BLOCKED", `Host ${host} is blocked by ${own || "the "}spend policy.`, { host, scope });
  }
  if (rules.allowedHosts.length > 0 && !rules.allowedHosts.some((p) => hostMatches(p, host))) {
    return deny("HOST_NOT_ALLOWED", `Host ${host} is not on ${own || "the "}allowed hosts list.`, {
      host,
      scope,
      allowedHosts: rules.allowedHosts,
    });
  }
  return null;
}
