// Header rules for the upstream hop: what never crosses it, and what only goes to its own origin.

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus the ones undici owns or rejects on a request. */
export const REQUEST_HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  "expect",
  // There is no proxy on this hop, so a proxy credential has no legitimate recipient.
  "proxy-authorization",
]);

const RESPONSE_DROPPED = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "set-cookie",
  "set-cookie2",
]);

/** Always dropped when a redirect leaves the origin the request was made to. */
export const CREDENTIAL_HEADERS: readonly string[] = [
  "authorization",
  "cookie",
  "proxy-authorization",
  "payment-signature",
  "x-payment",
];

// Defence in depth for credentials nobody declared (x-api-key, x-auth-token, x-goog-api-key, ...).
const CREDENTIAL_NAME = /auth|token|api-?key|secret|session|cookie|passw|signature|credential/i;

/** A request header that carries (or may carry) a credential, by its name. */
export const isCredentialHeader = (name: string): boolean =>
  CREDENTIAL_HEADERS.includes(name.toLowerCase()) || CREDENTIAL_NAME.test(name);

/** Names listed in a Connection header are hop-by-hop too. */
function connectionTokens(headers: Headers): string[] {
  const value = headers.get("connection");
  if (!value) return [];
  return value
    .split(",")
    .map((token) => token.trim().toLowerCase())
    .filter(Boolean);
}

/** A copy of the caller's request headers without hop-by-hop ones, ready for the upstream hop. */
export function stripRequestHeaders(headers: Headers, userAgent?: string): Headers {
  const out = new Headers(headers);
  for (const name of connectionTokens(headers)) out.delete(name);
  for (const name of REQUEST_HOP_BY_HOP) out.delete(name);
  if (userAgent && !out.has("user-agent")) out.set("user-agent", userAgent);
  return out;
}

/** Removes credentials in place before a cross-origin redirect hop. */
export function dropCredentialHeaders(headers: Headers, extra: readonly string[] = []): void {
  const names = new Set([...CREDENTIAL_HEADERS, ...extra.map((name) => name.toLowerCase())]);
  for (const [name] of [...headers]) {
    if (names.has(name) || CREDENTIAL_NAME.test(name)) headers.delete(name);
  }
}

/**
 * Response headers safe to hand to the model: no cookies, no hop-by-hop headers.
 *
 * @example stripResponseHeaders(res.headers) // { "content-type": "application/json" }
 */
export function stripResponseHeaders(headers: Headers): Record<string, string> {
  const dropped = new Set([...RESPONSE_DROPPED, ...connectionTokens(headers)]);
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (!dropped.has(name)) out[name] = value;
  }
  return out;
}
