import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { NextFunction, RequestHandler, Response } from "express";
import type { AuthedRequest } from "../server/httpAuth.js";
import { httpRefusal } from "../server/httpRefusal.js";

/** A one-time dashboard token: 256 random bits, valid for the life of one `pag0 dashboard` process. */
export const newDashboardToken = (): string => randomBytes(32).toString("base64url");

const digest = (s: string) => createHash("sha256").update(s).digest();

export interface DashboardAuthOptions {
  /** the one-time token of `pag0 dashboard` (none under `pag0 http`) */
  token?: string;
  /** the operator-key check of `pag0 http` (`bearerAuth(deps, "operator")`); answers 401/403 itself */
  operatorKey?: RequestHandler;
}

/**
 * Every dashboard data request needs `Authorization: Bearer` with the one-time token or an operator key. A header
 * (not a cookie) is what a page of another site can never send, so the buttons cannot be clicked by CSRF.
 */
export function dashboardAuth(o: DashboardAuthOptions): RequestHandler {
  const token = o.token === undefined ? null : digest(o.token);
  return function dashboardAuth(req: AuthedRequest, res: Response, next: NextFunction) {
    const presented = /^Bearer\s+(\S+)$/i.exec(req.header("authorization") ?? "")?.[1];
    // compared as digests: equal lengths for timingSafeEqual, and no timing hint of the token's prefix
    if (token && presented !== undefined && timingSafeEqual(digest(presented), token)) {
      req.auth = { token: "dashboard", clientId: "dashboard", scopes: ["operator"] };
      return next();
    }
    if (o.operatorKey) return o.operatorKey(req, res, next);
    res.set("WWW-Authenticate", 'Bearer realm="pag0-dashboard"');
    return httpRefusal(res, 401, "UNAUTHORIZED", "The dashboard token is missing or wrong: open the URL pag0 printed.");
  };
}
