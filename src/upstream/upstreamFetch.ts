import { type Response as UndiciResponse, fetch as undiciFetch } from "undici";
import { Pag0Error } from "../errors.js";
import { capBody } from "./capBody.js";
import { dropCredentialHeaders, stripRequestHeaders } from "./headers.js";
import { redirectError, redirectTarget, requestParts, targetUrl } from "./requestParts.js";
import { type AllowAddress, createSafeDispatcher, type HostLookup } from "./safeDispatcher.js";
import { toUpstreamError, upstreamTimeout } from "./toUpstreamError.js";

export { stripResponseHeaders } from "./headers.js";
export { type CappedBody, readCappedBody } from "./readCappedBody.js";

export type UpstreamFetchOptions = {
  /** Allow loopback/private/link-local upstreams (PAG0_ALLOW_PRIVATE_HOSTS; tests and local dev only). */
  allowPrivate: boolean;
  /** Total budget for one call: connect, every redirect hop, headers and reading the body. */
  timeoutMs?: number;
  /** Hard cap on the body the returned Response will deliver; past it the body errors with RESPONSE_TOO_LARGE. */
  maxResponseBytes: number;
  maxRedirects?: number;
  lookup?: HostLookup;
  allowAddress?: AllowAddress;
  /** Sent when the caller did not set a User-Agent. */
  userAgent?: string;
  /** Header names to drop on a cross-origin redirect, on top of CREDENTIAL_HEADERS. */
  credentialHeaders?: readonly string[];
};

/** The input of WHATWG fetch: `RequestInfo | URL`, with the global Request. */
export type FetchInput = string | URL | Request;

/** WHATWG fetch, so `wrapFetchWithPayment(upstreamFetch, client)` can wrap it; `close` releases its sockets. */
export type UpstreamFetch = ((input: FetchInput, init?: RequestInit) => Promise<Response>) & {
  close: () => Promise<void>;
};

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const REQUEST_BODY_HEADERS = ["content-type", "content-encoding", "content-language", "content-location"];
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;
/**
 * The only way Pag0 reaches an upstream: http(s) only, every connection checked against private
 * addresses, redirects followed here (each hop re-checked, credentials dropped when the origin
 * changes), one total timeout, and a body that can never deliver more than `maxResponseBytes`.
 * The returned Response has `url` (the final URL) and `redirected` set.
 *
 * @example
 * const upstream = createUpstreamFetch({ allowPrivate: false, maxResponseBytes: 1_000_000 });
 * const paidFetch = wrapFetchWithPayment(upstream, client);
 */
export function createUpstreamFetch(options: UpstreamFetchOptions): UpstreamFetch {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRedirects = options.maxRedirects ?? 5;
  const dispatcherOptions = {
    allowPrivate: options.allowPrivate,
    lookup: options.lookup,
    allowAddress: options.allowAddress,
    connectTimeoutMs: Math.min(timeoutMs, 10_000),
    headersTimeoutMs: timeoutMs,
    bodyTimeoutMs: timeoutMs,
  };
  const pooled = createSafeDispatcher(dispatcherOptions);
  // A request carrying a payment goes on a fresh connection: a pooled socket the server closed meanwhile (the
  // approval or the reservation took a while) would fail it with ECONNRESET, and a payment that may or may not
  // have reached the server has an unknown outcome.
  const fresh = createSafeDispatcher({ ...dispatcherOptions, keepAlive: false });

  async function upstreamFetch(input: FetchInput, init?: RequestInit): Promise<Response> {
    let current = targetUrl(input);
    const request = await requestParts(input, current, init);
    request.signal.throwIfAborted();
    let method = request.method;
    let body = request.body;
    const headers = stripRequestHeaders(request.headers, options.userAgent);
    const dispatcher = headers.has("payment-signature") || headers.has("x-payment") ? fresh : pooled;

    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(upstreamTimeout(current.hostname, timeoutMs)), timeoutMs);
    timer.unref();
    const settle = () => clearTimeout(timer);
    const signal = AbortSignal.any([request.signal, deadline.signal]);

    try {
      for (let redirects = 0; ; redirects++) {
        const res = await undiciFetch(current, {
          method,
          headers: [...headers],
          body,
          redirect: "manual",
          signal,
          dispatcher,
        }).catch((error: unknown) => {
          throw toUpstreamError(error, current.hostname, timeoutMs, signal);
        });

        const location = REDIRECT_STATUSES.has(res.status) ? res.headers.get("location") : null;
        if (location === null || request.redirect === "manual") {
          return respond(res, { url: current, redirected: redirects > 0, method, settle, signal });
        }
        await res.body?.cancel().catch(() => {});
        if (request.redirect === "error") throw redirectError(current, "the request does not allow redirects");
        if (redirects >= maxRedirects) throw redirectError(current, `more than ${maxRedirects} redirects`);

        const next = redirectTarget(location, current);
        if (next.origin !== current.origin) dropCredentialHeaders(headers, options.credentialHeaders);
        if (
          (res.status === 303 && method !== "HEAD") ||
          ((res.status === 301 || res.status === 302) && method === "POST")
        ) {
          method = "GET";
          body = undefined;
          for (const name of REQUEST_BODY_HEADERS) headers.delete(name);
        }
        current = next;
      }
    } catch (error) {
      settle();
      throw error;
    }
  }

  type Hop = { url: URL; redirected: boolean; method: string; settle: () => void; signal: AbortSignal };

  function respond(res: UndiciResponse, hop: Hop): Response {
    const host = hop.url.hostname;
    if (res.status < 200 || res.status > 599) {
      void res.body?.cancel().catch(() => {});
      hop.settle();
      throw new Pag0Error("UPSTREAM_ERROR", `${host} answered with an invalid HTTP status ${res.status}.`, {
        details: { host, status: res.status },
      });
    }
    const upstreamBody = hop.method === "HEAD" || NULL_BODY_STATUSES.has(res.status) ? null : res.body;
    if (upstreamBody === null) {
      void res.body?.cancel().catch(() => {});
      hop.settle();
    }
    const body =
      upstreamBody &&
      capBody(upstreamBody as ReadableStream<Uint8Array>, {
        maxBytes: options.maxResponseBytes,
        host,
        onSettled: hop.settle,
        mapError: (error) => toUpstreamError(error, host, timeoutMs, hop.signal),
      });
    const headers = new Headers();
    for (const [name, value] of res.headers) headers.append(name, value);
    // Rebuilt as the global Response (undici's package class is a different one), which is what
    // WHATWG fetch callers and `instanceof Response` expect.
    const out = new Response(body, {
      status: res.status,
      statusText: REASON_PHRASE.test(res.statusText) ? res.statusText : "",
      headers,
    });
    // x402 reads `response.url` as the resource it pays for: it must be the URL actually fetched.
    Object.defineProperties(out, {
      url: { value: hop.url.href, enumerable: true },
      redirected: { value: hop.redirected, enumerable: true },
    });
    return out;
  }

  return Object.assign(upstreamFetch, { close: () => Promise.all([pooled.close(), fresh.close()]).then(() => {}) });
}
