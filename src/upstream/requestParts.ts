import { Pag0Error } from "../errors.js";
import type { FetchInput } from "./upstreamFetch.js";

// What the upstream fetch checks and reads of a request before it connects, and of each redirect hop.

/** The Fetch standard's blocked ports (https://fetch.spec.whatwg.org/#bad-port); undici refuses them but does not export the list. */
const BAD_PORTS = new Set(
  [
    1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
    111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
    540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
    6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
  ].map(String),
);

export function targetUrl(input: FetchInput): URL {
  const raw = input instanceof Request ? input.url : input instanceof URL ? input.href : String(input);
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new Pag0Error("INVALID_INPUT", "The URL is not a valid absolute http(s) URL.", { cause });
  }
  checkUrl(url);
  return url;
}

export interface RequestParts {
  method: string;
  headers: Headers;
  body: Uint8Array | undefined;
  signal: AbortSignal;
  redirect: RequestInit["redirect"];
}

const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const NORMALIZED_METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"]);
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/**
 * What the request is, as `new Request(input, init)` would read it. The pipeline's own calls (a URL, a string body)
 * skip building a WHATWG Request, which costs more than the rest of a loopback call (node --cpu-prof of free calls:
 * ~40 us of ~120 us); anything else goes through the platform's Request.
 */
export async function requestParts(input: FetchInput, url: URL, init: RequestInit | undefined): Promise<RequestParts> {
  const invalid = (cause?: unknown) =>
    // The platform's message can quote header values, which may be secrets.
    new Pag0Error("INVALID_INPUT", "The request could not be built: check its method, headers and body.", { cause });
  const simpleBody = init?.body === undefined || init.body === null || typeof init.body === "string";
  if (input instanceof Request || !simpleBody) {
    let request: Request;
    try {
      request = new Request(input instanceof Request ? input : url, init);
    } catch (cause) {
      throw invalid(cause);
    }
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    return {
      method: request.method,
      headers: request.headers,
      body,
      signal: request.signal,
      redirect: request.redirect,
    };
  }
  const raw = init?.method ?? "GET";
  const method = NORMALIZED_METHODS.has(raw.toUpperCase()) ? raw.toUpperCase() : raw;
  if (!METHOD_TOKEN.test(method) || FORBIDDEN_METHODS.has(method.toUpperCase())) throw invalid();
  const text = init?.body as string | null | undefined;
  if ((method === "GET" || method === "HEAD") && text !== undefined && text !== null) throw invalid();
  let headers: Headers;
  try {
    headers = new Headers(init?.headers);
  } catch (cause) {
    throw invalid(cause);
  }
  if (typeof text === "string" && !headers.has("content-type")) headers.set("content-type", "text/plain;charset=UTF-8");
  return {
    method,
    headers,
    body: typeof text === "string" ? new TextEncoder().encode(text) : undefined,
    signal: init?.signal ?? new AbortController().signal,
    redirect: init?.redirect ?? "follow",
  };
}

export function checkUrl(url: URL): void {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Pag0Error("URL_NOT_ALLOWED", `Only http and https URLs can be fetched, not ${url.protocol}.`, {
      details: { scheme: url.protocol.slice(0, -1) },
    });
  }
  if (BAD_PORTS.has(url.port)) {
    throw new Pag0Error(
      "URL_NOT_ALLOWED",
      `Port ${url.port} is one that fetch never connects to (it serves other protocols).`,
      {
        details: { host: url.hostname, port: Number(url.port) },
      },
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new Pag0Error(
      "URL_NOT_ALLOWED",
      "URLs with embedded credentials (user:password@host) are not allowed; send credentials in a header.",
      { details: { host: url.hostname } },
    );
  }
}

export function redirectTarget(location: string, base: URL): URL {
  let next: URL;
  try {
    next = new URL(location, base);
  } catch (cause) {
    throw new Pag0Error("UPSTREAM_ERROR", `${base.hostname} redirected to an invalid URL.`, {
      details: { host: base.hostname },
      cause,
    });
  }
  checkUrl(next);
  return next;
}

export function redirectError(from: URL, why: string): Pag0Error {
  return new Pag0Error("UPSTREAM_ERROR", `Stopped following redirects from ${from.hostname}: ${why}.`, {
    details: { host: from.hostname },
  });
}
