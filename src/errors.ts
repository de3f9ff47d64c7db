/** Stable error codes of the tool contract (DESIGN.md §3). Agents and tests branch on these. */
export const ERROR_CODES = [
  "INVALID_INPUT",
  "URL_NOT_ALLOWED",
  "HOST_BLOCKED",
  "HOST_NOT_ALLOWED",
  "PRICE_ABOVE_LIMIT",
  "BUDGET_EXCEEDED",
  "NETWORK_NOT_ALLOWED",
  "ASSET_NOT_ALLOWED",
  "PAYEE_NOT_ALLOWED",
  "QUOTE_INVALID",
  "APPROVAL_REQUIRED",
  "APPROVAL_DENIED",
  "PAYMENT_FAILED",
  "PAYMENT_OUTCOME_UNKNOWN",
  "UPSTREAM_ERROR",
  "UPSTREAM_TIMEOUT",
  "RESPONSE_TOO_LARGE",
  "LEDGER_UNAVAILABLE",
  "AUDIT_BACKLOG",
  "WALLET_NOT_CONFIGURED",
  "RATE_LIMITED",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorDetails = Record<string, unknown>;

/**
 * The one error type of Pag0. `message` and `details` are safe to show to the model and the human;
 * `cause` is for logs only and never leaves the process.
 */
export class Pag0Error extends Error {
  override readonly name = "Pag0Error";
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** The ledger cannot be reached or answered nonsense: callers must not pay. */
export class LedgerUnavailableError extends Pag0Error {
  constructor(cause: unknown) {
    super("LEDGER_UNAVAILABLE", "The spend ledger is unavailable, so nothing was paid. Try again shortly.", { cause });
  }
}

export const isPag0Error = (e: unknown): e is Pag0Error => e instanceof Pag0Error;
