import type { ErrorCode } from "./errors.js";

/** A business refusal: a value, not an exception. The seam turns it into an `isError` tool result. */
export interface Denial {
  kind: "denied";
  code: ErrorCode;
  /** one sentence for the model and the human: what happened and what to do */
  message: string;
  details: Record<string, unknown>;
}

export const deny = (code: ErrorCode, message: string, details: Record<string, unknown> = {}): Denial => ({
  kind: "denied",
  code,
  message,
  details,
});
