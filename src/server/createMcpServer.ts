import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type LoggingLevel,
  SetLevelRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { CallerOf, ToolSeam } from "./toolSeam.js";

export const SERVER_INFO = { name: "pag0", version: "0.1.0" };

// One validator per process (the SDK would build a new Ajv for every server object); it checks elicitation answers.
const jsonSchemaValidator = new AjvJsonSchemaValidator();

/**
 * One MCP server object for one connection (a stdio process, an HTTP session, or one stateless request), serving
 * the tools the app prepared once (`pag0 stdio` passes a loader: its app is built after `initialize`). The SDK's low-level Server, because McpServer converts every tool schema again
 * for each object and on every `tools/list`; here an object costs its handlers and nothing else.
 */
export function createMcpServer(
  tools: ToolSeam | (() => Promise<ToolSeam>),
  options: { instructions: string; callerOf: CallerOf },
): Server {
  const seam = typeof tools === "function" ? tools : () => tools;
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: {}, logging: {} },
    instructions: options.instructions,
    jsonSchemaValidator,
  });
  // the level this connection's client asked for: tool calls send it their log messages at or above it, none before
  let logLevel: LoggingLevel | undefined;
  server.setRequestHandler(SetLevelRequestSchema, (request) => {
    logLevel = request.params.level;
    return {};
  });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: (await seam()).list }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) =>
    (await seam()).call(request.params.name, request.params.arguments, {
      extra,
      server,
      caller: options.callerOf(extra),
      logLevel: () => logLevel,
    }),
  );
  return server;
}
