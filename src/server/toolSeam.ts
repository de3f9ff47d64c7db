import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type {
  CallToolResult,
  LoggingLevel,
  ServerNotification,
  ServerRequest,
  Tool,
} from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";
import type { Denial } from "../denial.js";
import type { ErrorCode } from "../errors.js";
import { isPag0Error } from "../errors.js";
import { deferred } from "../lazy.js";
import type { Scope } from "../ledger/accessStore.js";
import type { Logger } from "../logger.js";
import type { ToolMetrics } from "../metrics.js";
import { type ApprovalPrompt, PROGRESS_STEPS, type ProgressStep } from "../pipeline/context.js";
import type { Caller, ToolDefinition } from "../tools/defineTool.js";

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface SeamDeps {
  log: Logger;
  metrics: ToolMetrics;
}

/** The principal and scopes behind one MCP request: the transport knows (stdio: the local user; HTTP: the key). */
export type CallerOf = (extra: { authInfo?: AuthInfo }) => Caller;

/** One `tools/call` as the MCP server object received it. */
export interface SeamCall {
  extra: Extra;
  /** the MCP server object of this connection (the one that can elicit on it) */
  server: Server;
  caller: Caller;
  /** the logging level the client set on this connection (`logging/setLevel`), if any */
  logLevel?: () => LoggingLevel | undefined;
}

/** The tools, prepared once per process: published JSON Schemas and input validators are built here, not per call. */
export interface ToolSeam {
  /** the `tools/list` answer */
  readonly list: Tool[];
  /** Runs one `tools/call`. */
  call(name: string, args: unknown, call: SeamCall): Promise<CallToolResult>;
}

/**
 * The one place tool outcomes become MCP results: values, denials and errors alike. Nothing raw escapes:
 * an unexpected error becomes INTERNAL, with its detail logged and not shown.
 */
export function toolSeam(tools: ToolDefinition[], deps: SeamDeps): ToolSeam {
  const byName = new Map(tools.map((tool) => [tool.name, { tool, input: z.object(tool.inputSchema) }] as const));
  const list: Tool[] = tools.map((tool) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: z.toJSONSchema(z.object(tool.inputSchema), { target: "draft-7", io: "input" }) as Tool["inputSchema"],
    outputSchema: z.toJSONSchema(publishedOutputSchema(tool.outputSchema), {
      target: "draft-7",
      io: "output",
    }) as Tool["outputSchema"],
    annotations: tool.annotations,
  }));

  async function run(
    tool: ToolDefinition,
    input: z.ZodObject,
    args: unknown,
    { extra, server, caller, logLevel }: SeamCall,
  ) {
    // made at its first use: most calls log nothing, and a pino child costs a few microseconds on every call
    const log = deferred(() =>
      deps.log.child({ tool: tool.name, requestId: String(extra.requestId), principal: caller.principal }),
    );
    if (!mayCall(caller.scopes, tool.scope)) {
      return errorResult("FORBIDDEN", `This key (scopes: ${caller.scopes.join(", ")}) may not call ${tool.name}.`);
    }
    const parsed = input.safeParse(args ?? {});
    if (!parsed.success) {
      return errorResult(
        "INVALID_INPUT",
        `Invalid arguments for tool ${tool.name}: ${parsed.error.issues.map(issueText).join("; ")}`,
      );
    }
    const progress = progressReporter(extra, logLevel?.());
    try {
      const out = await tool
        .handler(parsed.data as never, {
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
        progress.log("warning", { code: out.code, message: out.message });
        return errorResult(out.code, out.message, out.details);
      }
      return { content: [{ type: "text" as const, text: tool.text(out) }], structuredContent: out };
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

  return {
    list,
    async call(name, args, call) {
      const entry = byName.get(name);
      if (!entry) {
        return errorResult(
          "INVALID_INPUT",
          `Unknown tool: ${name.slice(0, 100)}. The tools are ${[...byName.keys()].join(", ")}.`,
          { tool: name.slice(0, 100) },
        );
      }
      const stopTimer = deps.metrics.seconds.startTimer({ tool: name });
      const result = await run(entry.tool, entry.input, args, call);
      stopTimer();
      const outcome = result.isError ? String((result.structuredContent?.error as { code?: string })?.code) : "ok";
      deps.metrics.calls.inc({ tool: name, outcome });
      return result;
    },
  };
}

const issueText = (i: z.core.$ZodIssue) => (i.path.length ? `${i.message} at ${i.path.join(".")}` : i.message);

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

const LEVELS: readonly LoggingLevel[] = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];

/**
 * Progress notifications (when the client sent a progress token) and log messages (when it set a logging level:
 * `notifications/message` at or above it) about one call, in order, all sent before the result. What they carry is
 * what the result shows: steps, amounts, codes; never a key.
 */
function progressReporter(extra: Extra, level: LoggingLevel | undefined) {
  const token = extra._meta?.progressToken;
  let sent: Promise<unknown> = Promise.resolve();
  const send = (notification: Parameters<Extra["sendNotification"]>[0]) => {
    sent = sent.then(() => extra.sendNotification(notification)).catch(() => {});
  };
  const log = (at: LoggingLevel, data: Record<string, unknown>) => {
    if (level === undefined || LEVELS.indexOf(at) < LEVELS.indexOf(level)) return;
    send({ method: "notifications/message", params: { level: at, logger: "pag0", data } });
  };
  const report =
    token === undefined && level === undefined
      ? undefined
      : (step: ProgressStep, message: string) => {
          if (token !== undefined) {
            const progress = PROGRESS_STEPS.indexOf(step) + 1;
            send({
              method: "notifications/progress",
              params: { progressToken: token, progress, total: PROGRESS_STEPS.length, message },
            });
          }
          log("info", { step, message });
        };
  return { report, log, flushed: () => sent };
}

/** Ask the human through the client (MCP elicitation, form mode). Any failure counts as "cannot ask". */
async function elicitApproval(server: Server, extra: Extra, p: ApprovalPrompt) {
  if (!server.getClientCapabilities()?.elicitation) return "unsupported" as const;
  try {
    const answer = await server.elicitInput(
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
