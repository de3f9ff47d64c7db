import { type App, createApp } from "../app.js";
import { loadConfig } from "../config/loadConfig.js";
import { commandLogger } from "./commandLogger.js";

/** Run one operator command against the configured ledger, and close it afterwards. */
export async function withLedger<T>(fn: (app: App) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const deps = createApp(config, commandLogger(config));
  try {
    return await fn(deps);
  } finally {
    await deps.ledger.close();
  }
}

/** `--name value` pairs and positionals, for commands too small to need a full parser. */
export function parseFlags(args: string[]): { flags: Record<string, string>; positionals: string[] } {
  const flags: Record<string, string> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (a.startsWith("--")) {
      const [name, inline] = a.slice(2).split("=", 2) as [string, string | undefined];
      flags[name] = inline ?? args[++i] ?? "";
    } else positionals.push(a);
  }
  return { flags, positionals };
}
