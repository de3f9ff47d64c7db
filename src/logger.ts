import { createRequire } from "node:module";
import type { DestinationStream, Logger } from "pino";
import { deferred } from "./lazy.js";

export type { Logger };

/** Paths pino blanks out wherever they appear, as a second line of defence: secrets are never logged on purpose. */
const REDACT = [
  "walletPrivateKey",
  "privateKey",
  "*.walletPrivateKey",
  "*.privateKey",
  "auditSignerKey",
  "*.auditSignerKey",
  "*.signerKey",
  "headers.authorization",
  "headers.cookie",
  "*.headers.authorization",
  "*.headers.cookie",
  'headers["payment-signature"]',
  'headers["x-payment"]',
];

/**
 * Logs go to stderr only: stdout belongs to the stdio transport. pino is required at the first log call, not at
 * startup (`pag0 stdio` answers `initialize` without it); the logger is otherwise pino's own.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return deferred(() => {
    const { pino } = createRequire(import.meta.url)("pino") as typeof import("pino");
    return pino(
      { level, redact: { paths: REDACT, censor: "[REDACTED]" }, base: { service: "pag0" } },
      destination ?? pino.destination({ fd: 2, sync: false }),
    );
  });
}
