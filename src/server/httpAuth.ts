import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Scope } from "../ledger/accessStore.js";
import type { Ledger } from "../ledger/ledger.js";
import type { Logger } from "../logger.js";
import { hashApiKey, looksLikeApiKey } from "./apiKeys.js";
import { httpRefusal } from "./httpRefusal.js";

export interface HttpAuthDeps {
  ledger: Ledger;
  /** the key check, cached briefly (see `keyVerifier`) */
  verify: KeyVerifier;
  salt: string;
  log: Logger;
  /**
   * `pag0 http --no-auth` (loopback only): requests without a key act as this principal, with fetch and read
   * scopes, never operator. null (the default): every request needs a key, even when none exists.
   */
  openLocalPrincipal: string | null;
}

export type AuthedRequest = Request & { auth?: AuthInfo };

const challenge = (error?: string, description?: string) =>
  `Bearer realm="pag0"${error ? `, error="${error}", error_description="${description}"` : ""}`;

/**
 * Bearer API keys: 401 with a WWW-Authenticate challenge for a missing, malformed, unknown or revoked key;
 * 403 when the key lacks `required`. Sets `req.auth` (the key's id, never the key, as `token`).
 */
export function bearerAuth(deps: HttpAuthDeps, required?: Scope): RequestHandler {
  return async function bearerAuth(req: AuthedRequest, res: Response, next: NextFunction) {
    const header = req.header("authorization");
    try {
      if (!header) {
        if (deps.openLocalPrincipal && required !== "operator") {
          req.auth = { token: "local", clientId: deps.openLocalPrincipal, scopes: ["fetch", "read"] };
          return next();
        }
        return unauthorized(res, challenge(), "An API key is required: send Authorization: Bearer <key>.");
      }
      const key = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? "";
      const record = looksLikeApiKey(key) ? await deps.verify(hashApiKey(key, deps.salt)) : null;
      if (!record) {
        return unauthorized(
          res,
          challenge("invalid_token", "The API key is unknown or revoked"),
          "The API key is unknown or revoked.",
        );
      }
      if (required && !record.scopes.includes(required)) {
        return httpRefusal(res, 403, "FORBIDDEN", `This key lacks the ${required} scope.`);
      }
      req.auth = { token: record.id, clientId: record.principal, scopes: record.scopes, extra: { keyId: record.id } };
      return next();
    } catch (err) {
      deps.log.error({ err }, "API key check failed");
      return httpRefusal(res, 503, "LEDGER_UNAVAILABLE", "Keys cannot be checked right now.");
    }
  };
}

function unauthorized(res: Response, wwwAuthenticate: string, message: string) {
  httpRefusal(res.set("WWW-Authenticate", wwwAuthenticate), 401, "UNAUTHORIZED", message);
}

type KeyRecord = Awaited<ReturnType<Ledger["verifyApiKey"]>>;
export type KeyVerifier = (keyHash: string) => Promise<KeyRecord>;

/** How long a verified key is trusted without asking the ledger again: a revoked key is refused within this. */
export const KEY_CACHE_MS = 500;

/**
 * The ledger's key check, with each answer kept `ttlMs` (one ledger read per key and half second, not per request;
 * concurrent checks of one key share one read). Failures are not kept. A revocation, on any instance, is seen by
 * every instance within `ttlMs`.
 */
export function keyVerifier(ledger: Pick<Ledger, "verifyApiKey">, ttlMs = KEY_CACHE_MS): KeyVerifier {
  const answers = new Map<string, { at: number; record: Promise<KeyRecord> }>();
  return (keyHash) => {
    const now = performance.now();
    const kept = answers.get(keyHash);
    if (kept && now - kept.at < ttlMs) return kept.record;
    if (answers.size > 10_000) answers.clear();
    const entry = { at: now, record: ledger.verifyApiKey(keyHash) };
    answers.set(keyHash, entry);
    entry.record.catch(() => {
      if (answers.get(keyHash) === entry) answers.delete(keyHash);
    });
    return entry.record;
  };
}
