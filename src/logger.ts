import { createRequire } from "node:module";
import type { DestinationStream, Logger } from "pino";
import { type AxiomStream, axiomStream } from "./axiomStream.js";
import type { AxiomConfig } from "./config/logging.js";
import { deferred } from "./lazy.js";

export type { Logger };

/** `auto`: pretty when the logs go to a terminal, JSON lines otherwise. */
export type LogFormat = "auto" | "json" | "pretty";

export interface LogOptions {
  level: string;
  /** default `auto` */
  format?: LogFormat;
  /** also ship every line to Axiom, through its official pino transport */
  axiom?: AxiomConfig;
}

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

const require = createRequire(import.meta.url);
type Pino = typeof import("pino");
const closers = new WeakMap<Logger, (timeoutMs: number) => Promise<void>>();

/** The format `format` means for logs written to a stream that is (or is not) a terminal. */
export function resolveFormat(format: LogFormat, isTTY: boolean): "json" | "pretty" {
  if (format !== "auto") return format;
  return isTTY ? "pretty" : "json";
}

/**
 * Logs go to stderr only: stdout belongs to the stdio transport. pino is required at the first log call, not at
 * startup (`pag0 stdio` answers `initialize` without it), and pino-pretty or the Axiom transport only when used.
 * A bare level (what tests pass) means JSON lines; `destination` replaces stderr.
 *
 * @example createLogger({ level: "info", format: "auto", axiom: config.axiom })
 */
export function createLogger(options: string | LogOptions, destination?: DestinationStream): Logger {
  const o: LogOptions = typeof options === "string" ? { level: options, format: "json" } : options;
  let shipping: AxiomStream | undefined;
  const log = deferred(() => {
    const { pino } = require("pino") as Pino;
    const toTerminal = destination === undefined && process.stderr.isTTY === true;
    const local =
      resolveFormat(o.format ?? "auto", toTerminal) === "pretty"
        ? prettyStream(destination, toTerminal)
        : (destination ?? pino.destination({ fd: 2, sync: false }));
    const settings = { level: o.level, redact: { paths: REDACT, censor: "[REDACTED]" }, base: { service: "pag0" } };
    if (!o.axiom) return pino(settings, local);
    shipping = axiomStream(o.axiom, (line) => process.stderr.write(line));
    // the logger's level filters; both streams take whatever it lets through
    return pino(
      settings,
      pino.multistream([
        { level: "trace", stream: local },
        { level: "trace", stream: shipping.stream },
      ]),
    );
  });
  closers.set(log, async (timeoutMs) => {
    await shipping?.close(timeoutMs);
  });
  return log;
}

/** Sends what is still buffered for Axiom, waiting at most `timeoutMs`: call it on shutdown, or lose the last lines. */
export async function closeLogger(log: Logger, timeoutMs = 3000): Promise<void> {
  await closers.get(log)?.(timeoutMs);
}

/** Human-readable lines for a terminal (pino-pretty in this thread: no worker to start), to stderr by default. */
function prettyStream(destination: DestinationStream | undefined, colorize: boolean): DestinationStream {
  const pretty = require("pino-pretty") as typeof import("pino-pretty");
  return pretty.build({
    destination: destination ?? 2,
    colorize,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname,service",
  });
}
