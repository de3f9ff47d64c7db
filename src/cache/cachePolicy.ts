// What may be cached, for whom, and for how long: pure rules over a request and its paid response (RFC 9111,
// narrowed for paid data). No I/O and no clock of its own: callers pass `nowMs`.
import { hostMatches } from "../policy/hostRules.js";

/** An operator's rule for one host pattern (config `cacheRules`); the first matching rule applies. */
export interface HostCacheRule {
  /** exact host or `*.example.com` */
  host: string;
  /** freshness for responses that state none; 0 = never cache this host */
  ttlSeconds?: number;
  /** methods cached besides GET and HEAD, e.g. ["POST"] for a search API whose body is the query */
  methods?: string[];
}

/** The operator's cache settings that decisions depend on. */
export interface CachePolicy {
  /** freshness for responses without Cache-Control max-age / s-maxage or Expires; 0 = cache only those */
  defaultTtlSeconds: number;
  /** no entry is fresh for longer than this, whatever the response says */
  maxTtlSeconds: number;
  /** bodies larger than this are not cached */
  maxEntryBytes: number;
  /** serve `Cache-Control: public` responses to every principal (off: each principal has its own entries) */
  sharedPublic: boolean;
  rules: HostCacheRule[];
}

export type RequestPlan =
  | { use: false }
  /** `lookup: false` when the request itself asks for a fresh answer; the response may still be stored */
  | { use: true; lookup: boolean; rule: HostCacheRule | undefined };

export type NotStoredReason =
  | "status"
  | "truncated"
  | "set_cookie"
  | "no_store"
  | "vary_star"
  | "too_large"
  | "expired";

export type StorePlan =
  | { store: false; reason: NotStoredReason }
  | {
      store: true;
      scope: "principal" | "shared";
      /** how long the entry may be served without asking upstream; 0 when it must be revalidated first */
      freshSeconds: number;
      /** how long the cache keeps it: fresh time, plus a revalidation window when it has a validator */
      keepSeconds: number;
      /** lowercased request header names the response varies on */
      vary: string[];
    };

const CACHEABLE_STATUS = new Set([200, 203, 204]);

/** Whether the cache takes part in this request at all, and whether it may answer it. */
export function planRequest(
  request: { method: string; url: URL; headers: Record<string, string> },
  policy: CachePolicy,
): RequestPlan {
  const rule = policy.rules.find((r) => hostMatches(r.host, request.url.hostname));
  if (rule?.ttlSeconds === 0) return { use: false };
  const method = request.method.toUpperCase();
  if (method !== "GET" && method !== "HEAD" && !rule?.methods?.some((m) => m.toUpperCase() === method)) {
    return { use: false };
  }
  const h = request.headers;
  // a partial answer is not the resource, and a paid conditional request is the agent's own business
  if (h.range !== undefined || h["if-none-match"] !== undefined || h["if-modified-since"] !== undefined) {
    return { use: false };
  }
  const cc = parseCacheControl(h["cache-control"]);
  if (cc.has("no-store")) return { use: false };
  const lookup = !(cc.has("no-cache") || cc.get("max-age") === "0" || /no-cache/i.test(h.pragma ?? ""));
  return { use: true, lookup, rule };
}

/** Whether (and how) a paid response may be stored. `headers` are the response's, lowercased. */
export function planStore(
  response: {
    status: number;
    headers: Record<string, string>;
    body: Uint8Array;
    truncated: boolean;
    setsCookie?: boolean;
  },
  rule: HostCacheRule | undefined,
  policy: CachePolicy,
  nowMs: number,
): StorePlan {
  const h = response.headers;
  if (!CACHEABLE_STATUS.has(response.status)) return { store: false, reason: "status" };
  if (response.truncated) return { store: false, reason: "truncated" };
  if (response.setsCookie) return { store: false, reason: "set_cookie" };
  const cc = parseCacheControl(h["cache-control"]);
  if (cc.has("no-store")) return { store: false, reason: "no_store" };
  const vary = listHeader(h.vary);
  if (vary.includes("*")) return { store: false, reason: "vary_star" };
  if (response.body.byteLength > policy.maxEntryBytes) return { store: false, reason: "too_large" };

  const scope = cc.has("public") && !cc.has("private") && policy.sharedPublic ? "shared" : "principal";
  const fresh = Math.max(0, Math.min(lifetime(h, cc, scope, rule, policy, nowMs), policy.maxTtlSeconds));
  const validator = h.etag !== undefined || h["last-modified"] !== undefined;
  if (fresh === 0 && !validator) return { store: false, reason: "expired" };
  const revalidateWindow = validator ? Math.min(Math.max(fresh, 60), policy.maxTtlSeconds) : 0;
  return { store: true, scope, freshSeconds: fresh, keepSeconds: Math.max(1, fresh + revalidateWindow), vary };
}

/** Freshness lifetime in seconds, minus the age the response already had (RFC 9111 §4.2). */
function lifetime(
  h: Record<string, string>,
  cc: Map<string, string>,
  scope: "principal" | "shared",
  rule: HostCacheRule | undefined,
  policy: CachePolicy,
  nowMs: number,
): number {
  if (cc.has("no-cache")) return 0;
  const maxAge = (scope === "shared" ? seconds(cc.get("s-maxage")) : undefined) ?? seconds(cc.get("max-age"));
  let life: number;
  if (maxAge !== undefined) life = maxAge;
  else if (h.expires !== undefined) {
    // an invalid Expires (e.g. "0") means already expired
    const expires = Date.parse(h.expires);
    const date = Date.parse(h.date ?? "");
    life = Number.isNaN(expires) ? 0 : Math.floor((expires - (Number.isNaN(date) ? nowMs : date)) / 1000);
  } else life = rule?.ttlSeconds ?? policy.defaultTtlSeconds;
  return life - (seconds(h.age) ?? 0);
}

/** `max-age=60, private, no-cache="set-cookie"` → Map { max-age → 60, private → "", no-cache → set-cookie } */
export function parseCacheControl(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (value ?? "").split(",")) {
    const [name = "", ...rest] = part.split("=");
    const key = name.trim().toLowerCase();
    if (key) out.set(key, rest.join("=").trim().replace(/^"|"$/g, ""));
  }
  return out;
}

const listHeader = (value: string | undefined): string[] =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

function seconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
