import { type Denial, deny } from "../denial.js";

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

/** Host allow/block lists: a blocked host is refused even if it is also allowed; an empty allow list allows any. */
export function checkHost(host: string, rules: { allowedHosts: string[]; blockedHosts: string[] }): Denial | null {
  if (rules.blockedHosts.some((p) => hostMatches(p, host))) {
    return deny("HOST_BLOCKED", `Host ${host} is blocked by the spend policy.`, { host });
  }
  if (rules.allowedHosts.length > 0 && !rules.allowedHosts.some((p) => hostMatches(p, host))) {
    return deny("HOST_NOT_ALLOWED", `Host ${host} is not on the allowed hosts list.`, {
      host,
      allowedHosts: rules.allowedHosts,
    });
  }
  return null;
}
