import { type DestinationStream, type Logger, pino } from "pino";

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

/** Logs go to stderr only: stdout belongs to the stdio transport. */
export function createLogger(
  level: string,
  destination: DestinationStream = pino.destination({ fd: 2, sync: false }),
): Logger {
  return pino({ level, redact: { paths: REDACT, censor: "[REDACTED]" }, base: { service: "pag0" } }, destination);
}
