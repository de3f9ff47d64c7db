import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type {
  CallToolResult,
  ServerNotification,
  ServerRequest,
  ToolAnnotations,
} from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";
import type { ErrorCode } from "../errors.js";
import { isPag0Error } from "../errors.js";
import type { Scope } from "../ledger/accessStore.js";
import type { Logger } from "../logger.js";
import type { ToolMetrics } from "../metrics.js";
import { type ApprovalPrompt, type CallContext, PROGRESS_STEPS, type ProgressStep } from "../pipeline/context.js";
import type { Denial } from "../policy/denial.js";

/** Who is calling: the principal behind the API key (stdio: the local user) and what the key may do. */
export interface Caller {
  principal: string;
  scopes: readonly Scope[];
}

/** Who is calling and how; handlers never see the transport. */
export interface ToolContext {
  principal: string;
  /** operators may read every principal's spend */
  isOperator: boolean;
  signal: AbortSignal;
  log: Logger;
  elicitApproval: NonNullable<CallContext["elicitApproval"]>;
  progress: CallContext["progress"];
}

export interface ToolDefinition<I extends z.ZodRawShape = z.ZodRawShape, O extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  inputSchema: I;
  outputSchema: O;
  annotations: ToolAnnotations;
  /** what a key needs to call it: `fetch` may spend, `read` may only look; `operator` may do both */
  scope: "fetch" | "read";
  handler(input: z.infer<z.ZodObject<I>>, ctx: ToolContext): Promise<z.infer<z.ZodObject<O>> | Denial>;
  /** the short text the model reads beside the structured result */
  text(output: z.infer<z.ZodObject<O>>): string;
}

/** Define a tool with its types checked against its own schemas. */
export const defineTool = <I extends z.ZodRawShape, O extends z.ZodRawShape>(t: ToolDefinition<I, O>) =>
  t as unknown as ToolDefinition;

export interface SeamDeps {
  log: Logger;
  /** the principal and scopes behind one MCP request (stdio: the local principal) */
  callerOf(extra: { authInfo?: AuthInfo }): Caller;
  metrics: ToolMetrics;
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
        const stopTimer = deps.metrics.seconds.startTimer({ tool: tool.name });
        const result = await runTool(input, extra);
        stopTimer();
        const outcome = result.isError ? String((result.structuredContent?.error as { code?: string })?.code) : "ok";
        deps.metrics.calls.inc({ tool: tool.name, outcome });
        return result;
      },
    );
    async function runTool(input: Record<string, unknown>, extra: Extra): Promise<CallToolResult> {
      const caller = deps.callerOf(extra);
      const log = deps.log.child({
        tool: tool.name,
        requestId: String(extra.requestId),
        principal: caller.principal,
      });
      if (!mayCall(caller.scopes, tool.scope)) {
        return errorResult("FORBIDDEN", `This key (scopes: ${caller.scopes.join(", ")}) may not call ${tool.name}.`);
      }
      const progress = progressReporter(extra);
      try {
        const out = await tool
          .handler(input as never, {
            principal: caller.principal,
            isOperator: caller.scopes.includes("operator"),
            signal: extra.signal,
            log,
            elicitApproval: (prompt) => elicitApproval(server, extra, prompt),
            progress: progress.report,
          })
          .finally(progress.flushed);
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
    }
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

const mayCall = (scopes: readonly Scope[], needed: "fetch" | "read") =>
  scopes.includes("operator") || scopes.includes(needed) || (needed === "read" && scopes.includes("fetch"));

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Progress notifications in order, all sent before the result (only when the client sent a progress token). */
function progressReporter(extra: Extra) {
  const token = extra._meta?.progressToken;
  let sent: Promise<unknown> = Promise.resolve();
  const report =
    token === undefined
      ? undefined
      : (step: ProgressStep, message: string) => {
          const params = {
            progressToken: token,
            progress: PROGRESS_STEPS.indexOf(step) + 1,
            total: PROGRESS_STEPS.length,
            message,
          };
          sent = sent.then(() => extra.sendNotification({ method: "notifications/progress", params })).catch(() => {});
        };
  return { report, flushed: () => sent };
}

/** Ask the human through the client (MCP elicitation, form mode). Any failure counts as "cannot ask". */
async function elicitApproval(server: McpServer, extra: Extra, p: ApprovalPrompt) {
  if (!server.server.getClientCapabilities()?.elicitation) return "unsupported" as const;
  try {
    const answer = await server.server.elicitInput(
      {
        mode: "form",
        message: `Approve paying ${p.amount} USDC to ${p.payTo} on ${p.network} for ${p.url}?`,
        requestedSchema: {
          type: "object",
          properties: {
            approve: {
              type: "boolean",
              title: "Approve this payment",
              description: `${p.amount} USDC (token ${p.asset}) to ${p.payTo} on ${p.network}, for ${p.url}`,
              default: false,
            },
          },
          required: ["approve"],
        },
      },
      { relatedRequestId: extra.requestId, signal: extra.signal },
    );
    return answer.action === "accept" && answer.content?.approve === true
      ? ("approved" as const)
      : ("declined" as const);
  } catch {
    return "unsupported" as const;
  }
}
