import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";
import type { ErrorCode } from "../errors.js";
import { isPag0Error } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Denial } from "../policy/denial.js";

/** Who is calling and how; handlers never see the transport. */
export interface ToolContext {
  principal: string;
  /** operators may read every principal's spend */
  isOperator: boolean;
  signal: AbortSignal;
  log: Logger;
}

export interface ToolDefinition<I extends z.ZodRawShape = z.ZodRawShape, O extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  inputSchema: I;
  outputSchema: O;
  annotations: ToolAnnotations;
  handler(input: z.infer<z.ZodObject<I>>, ctx: ToolContext): Promise<z.infer<z.ZodObject<O>> | Denial>;
  /** the short text the model reads beside the structured result */
  text(output: z.infer<z.ZodObject<O>>): string;
}

/** Define a tool with its types checked against its own schemas. */
export const defineTool = <I extends z.ZodRawShape, O extends z.ZodRawShape>(t: ToolDefinition<I, O>) =>
  t as unknown as ToolDefinition;

export interface SeamDeps {
  log: Logger;
  /** the principal and role behind one MCP request (stdio: the local principal) */
  callerOf(extra: { authInfo?: unknown }): { principal: string; isOperator: boolean };
}

/**
 * The one place tool outcomes become MCP results: values, denials and errors alike. Nothing raw escapes:
 * an unexpected error becomes INTERNAL, with its detail logged and not shown.
 */
export function registerTools(server: McpServer, tools: ToolDefinition[], deps: SeamDeps): void {
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputSchema,
        outputSchema: publishedOutputSchema(tool.outputSchema),
        annotations: tool.annotations,
      },
      async (input: Record<string, unknown>, extra) => {
        const caller = deps.callerOf(extra);
        const log = deps.log.child({
          tool: tool.name,
          requestId: String(extra.requestId),
          principal: caller.principal,
        });
        try {
          const out = await tool.handler(input as never, { ...caller, signal: extra.signal, log });
          if (isDenial(out)) {
            log.info({ code: out.code }, "tool call denied");
            return errorResult(out.code, out.message, out.details);
          }
          return { content: [{ type: "text", text: tool.text(out) }], structuredContent: out };
        } catch (e) {
          if (isPag0Error(e)) {
            log.warn({ code: e.code, err: e.cause }, e.message);
            return errorResult(e.code, e.message, e.details);
          }
          log.error({ err: e }, "tool call failed");
          return errorResult(
            "INTERNAL",
            "Pag0 hit an internal error; nothing more is known to the agent. See the server logs.",
          );
        }
      },
    );
  }
  // The SDK turns input-validation failures into a bare text error; give them our code and shape instead.
  (server as unknown as { createToolError(message: string): CallToolResult }).createToolError = (message) => {
    const invalid = /Input validation error|Invalid arguments/i.test(message);
    if (!invalid) deps.log.error({ message }, "MCP SDK tool error");
    return invalid
      ? errorResult("INVALID_INPUT", message.replace(/^MCP error -?\d+:\s*/, ""))
      : errorResult("INTERNAL", "Pag0 hit an internal error; see the server logs.");
  };
}

const errorShape = z
  .object({
    code: z.string().describe("Stable error code, e.g. BUDGET_EXCEEDED"),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
  })
  .describe("Present only when isError is true");

/**
 * SDK clients validate `structuredContent` against the output schema even on `isError` results, and a union is
 * dropped from tools/list. So the published schema is the success shape with every field optional plus `error`:
 * a success carries all success fields, an error only `error`. Handlers are still typed by the strict shape.
 */
function publishedOutputSchema(shape: z.ZodRawShape) {
  return z.object(shape).partial().extend({ error: errorShape.optional() });
}

export function errorResult(code: ErrorCode, message: string, details: Record<string, unknown> = {}): CallToolResult {
  return {
    isError: true,
    content: [{ type: "text", text: `${code}: ${message}` }],
    structuredContent: { error: { code, message, details } },
  };
}

const isDenial = (v: unknown): v is Denial => (v as Denial)?.kind === "denied";
