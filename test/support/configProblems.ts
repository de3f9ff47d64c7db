import { ConfigError, loadConfig } from "../../src/config/loadConfig.js";

/** The problems `loadConfig(env)` reports, or [] when it loads. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}
