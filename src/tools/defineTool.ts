import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type * as z from "zod";
import type { Denial } from "../denial.js";
import type { Scope } from "../ledger/accessStore.js";
import type { Logger } from "../logger.js";
import type { CallContext } from "../pipeline/context.js";

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

/** The tool contract: what the registration seam (server/toolSeam.ts) needs to publish and run one tool. */
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

/** The principal of the local (stdio) user. */
export const LOCAL_PRINCIPAL = "local";
