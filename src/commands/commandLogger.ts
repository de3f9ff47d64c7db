import type { Config } from "../config/loadConfig.js";
import { createLogger, type Logger } from "../logger.js";

/**
 * The logger of a one-shot operator command (`spend`, `doctor`): quiet unless LOG_LEVEL asks for debug output,
 * since the command reports its own outcome and the server's startup lines ("ledger ready", "no wallet") would
 * only bury it. Still stderr only.
 */
export function commandLogger(config: Config): Logger {
  const verbose = config.logLevel === "debug" || config.logLevel === "trace";
  return createLogger(verbose ? config.logLevel : "fatal");
}
