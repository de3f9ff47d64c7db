import type { NextFunction, RequestHandler, Response } from "express";
import { rateLimit } from "express-rate-limit";
import type { Logger } from "../logger.js";
import type { AuthedRequest } from "./httpAuth.js";
import { httpRefusal } from "./httpRefusal.js";
import { type RateCounter, rateLimitStore } from "./rateLimitStore.js";

export interface ToolCallLimits {
  /** tool calls per key and window */
  limit: number;
  windowMs: number;
  counter: RateCounter;
  log: Logger;
}

const isToolCall = (message: unknown) =>
  typeof message === "object" && message !== null && (message as { method?: unknown }).method === "tools/call";

/** How many `tools/call` a parsed JSON-RPC body holds: a message, or each one of a batch. */
export const toolCallsIn = (body: unknown): number =>
  Array.isArray(body) ? body.filter(isToolCall).length : isToolCall(body) ? 1 : 0;

/** What a key's calls count under: the API key's id (never the key), or the keyless local principal. */
const limitKeyOf = (req: AuthedRequest): string => {
  const keyId = req.auth?.extra?.keyId;
  return typeof keyId === "string" ? `key:${keyId}` : `principal:${req.auth?.clientId ?? "anonymous"}`;
};

/**
 * The per-key rate limit of /mcp, after the body is parsed: it counts tool calls (each one of a batch), never
 * `initialize`, notifications, `tools/list` or the GET stream, in `counter`'s fixed windows. Over the limit: 429
 * RATE_LIMITED with Retry-After and the RateLimit headers (draft 7).
 */
export function toolCallLimiter(o: ToolCallLimits): RequestHandler {
  const limiter = rateLimit({
    windowMs: o.windowMs,
    limit: o.limit,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    store: rateLimitStore(o.counter, o.log),
    passOnStoreError: true,
    // the store warns once per outage; the limiter would log every call it lets through
    logger: { warn: (err, message) => o.log.warn({ err }, message), error: (err) => o.log.debug({ err }) },
    // each tool call of a batch is one hit of the same key in the same request
    validate: { singleCount: false },
    keyGenerator: limitKeyOf,
    handler: (req, res) => {
      const resetAt = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime();
      const retryAfterSeconds = Math.max(1, Math.ceil(((resetAt ?? Date.now() + o.windowMs) - Date.now()) / 1000));
      httpRefusal(res, 429, "RATE_LIMITED", "too many tool calls for this key; retry after the Retry-After delay.", {
        retryAfterSeconds,
      });
    },
  });
  return function toolCallLimiter(req: AuthedRequest, res: Response, next: NextFunction) {
    let left = toolCallsIn(req.body);
    if (left === 0) return next();
    // one hit per tool call; the limiter answers 429 itself, and then calls no further
    const counted = (err?: unknown) => {
      if (err !== undefined) return next(err);
      left--;
      if (left === 0) return next();
      void limiter(req, res, counted);
    };
    void limiter(req, res, counted);
  };
}
