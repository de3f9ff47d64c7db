import type { Config } from "../config/loadConfig.js";
import { createLogger, type Logger } from "../logger.js";

/** The logger of `pag0 stdio` and `pag0 http`: LOG_LEVEL, LOG_FORMAT, and Axiom when AXIOM_* are set. */
export function serverLogger(config: Config): Logger {
  return createLogger({ level: config.logLevel, format: config.logFormat, axiom: config.axiom });
}

/**
 * The logger of a one-shot operator command (`spend`, `doctor`): quiet unless LOG_LEVEL asks for debug output,
 * since the command reports its own outcome and the server's startup lines ("ledger ready", "no wallet") would
 * only bury it. Still stderr only, and never shipped to Axiom: that is for the servers' logs.
 */
export function commandLogger(config: Config): Logger {
  const verbose = config.logLevel === "debug" || config.logLevel === "trace";
  return createLogger({ level: verbose ? config.logLevel : "fatal", format: config.logFormat });
}
