import type { Response } from "express";
import type { ErrorCode } from "../errors.js";

/**
 * The one body every HTTP-level refusal of `pag0 http` has: a JSON-RPC error (what MCP clients parse), whose
 * message starts with the stable code and whose `data` carries it, like a tool error's `error.code`.
 * @example httpRefusal(res, 401, "UNAUTHORIZED", "An API key is required.")
 */
export function httpRefusal(
  res: Response,
  status: number,
  code: ErrorCode,
  message: string,
  data: Record<string, unknown> = {},
  rpcCode = -32000,
) {
  return res.status(status).json({
    jsonrpc: "2.0",
    error: { code: rpcCode, message: `${code}: ${message}`, data: { code, ...data } },
    id: null,
  });
}
