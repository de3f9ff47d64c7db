import { isPag0Error, Pag0Error } from "../errors.js";

// undici's own connect/headers/body timers, and the OS's.
const TIMEOUT_CODES = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ETIMEDOUT",
]);

export function upstreamTimeout(host: string, timeoutMs: number, cause?: unknown): Pag0Error {
  return new Pag0Error("UPSTREAM_TIMEOUT", `${host} did not answer within ${timeoutMs} ms. Try again later.`, {
    details: { host, timeoutMs },
    cause,
  });
}

/**
 * What a failed upstream fetch or body read should throw. An aborted `signal` wins and its reason
 * is returned unchanged (our deadline's UPSTREAM_TIMEOUT, or the caller's own abort). A Pag0Error
 * anywhere in the cause chain (the dispatcher's URL_NOT_ALLOWED) is returned as is. Anything else
 * becomes UPSTREAM_TIMEOUT or UPSTREAM_ERROR with the original kept as `cause`.
 */
export function toUpstreamError(error: unknown, host: string, timeoutMs: number, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  const chain = causeChain(error);
  const known = chain.find(isPag0Error);
  if (known) return known;
  const code = chain.map((e) => (e as { code?: unknown }).code).find((c): c is string => typeof c === "string");
  if (code && TIMEOUT_CODES.has(code)) return upstreamTimeout(host, timeoutMs, error);
  return new Pag0Error("UPSTREAM_ERROR", `Could not get a response from ${host} (${code ?? "network error"}).`, {
    details: code ? { host, reason: code } : { host },
    cause: error,
  });
}

function causeChain(error: unknown): object[] {
  const chain: object[] = [];
  let current: unknown = error;
  while (typeof current === "object" && current !== null && !chain.includes(current) && chain.length < 8) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}
