import { createHash } from "node:crypto";
import { isCredentialHeader } from "../upstream/headers.js";

export interface KeyedRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

/** Whose entry: one principal's (the default), or every principal's (explicitly public responses, when enabled). */
export type CacheScope = { principal: string } | "shared";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const EMPTY_BODY = sha256("");

/**
 * The key of a request before `Vary`: scope, method, normalized URL, body hash, content type, and every credential
 * header. Everything is hashed, so no URL, principal or credential is stored in clear.
 * @example baseKey("pag0:cache:", { principal: "local" }, { method: "GET", url, headers: {}, body: undefined })
 */
export function baseKey(prefix: string, scope: CacheScope, request: KeyedRequest): string {
  const url = new URL(request.url.href);
  url.hash = "";
  url.searchParams.sort();
  const credentials = Object.entries(request.headers)
    .map(([name, value]) => [name.toLowerCase(), value])
    .filter(([name]) => isCredentialHeader(name as string))
    .sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1));
  const material = JSON.stringify([
    1,
    scope === "shared" ? null : scope.principal,
    request.method.toUpperCase(),
    url.href,
    request.body ? sha256(request.body) : EMPTY_BODY,
    request.headers["content-type"] ?? null,
    credentials,
  ]);
  return `${prefix}${sha256(material)}`;
}

/** The key of one variant of `base`: the request's values of the headers the response varies on. */
export function variantKey(base: string, vary: readonly string[], headers: Record<string, string>): string {
  return `${base}:${sha256(JSON.stringify(vary.map((name) => [name, headers[name] ?? null])))}`;
}
