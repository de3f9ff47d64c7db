import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/loadConfig.js";

const TOKEN = "xaat-22222222-config-test-token";

/** The problems loadConfig reports for `env`, or [] when it accepts it. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe("log settings", () => {
  test("default: auto format, no Axiom", () => {
    expect(loadConfig({})).toMatchObject({ logLevel: "info", logFormat: "auto", axiom: undefined });
  });

  test("behavior: LOG_FORMAT takes json or pretty, and nothing else", () => {
    expect(loadConfig({ LOG_FORMAT: "pretty" }).logFormat).toBe("pretty");
    expect(loadConfig({ LOG_FORMAT: "json" }).logFormat).toBe("json");
    expect(problems({ LOG_FORMAT: "fancy" })).toEqual([expect.stringMatching(/^LOG_FORMAT: /)]);
  });

  test("behavior: AXIOM_API_TOKEN with AXIOM_DATASET ships logs, to AXIOM_URL when set", () => {
    expect(loadConfig({ AXIOM_API_TOKEN: TOKEN, AXIOM_DATASET: "pag0-logs" }).axiom).toEqual({
      token: TOKEN,
      dataset: "pag0-logs",
      url: undefined,
    });
    const eu = loadConfig({ AXIOM_API_TOKEN: TOKEN, AXIOM_DATASET: "pag0", AXIOM_URL: "https://api.eu.axiom.co" });
    expect(eu.axiom?.url).toBe("https://api.eu.axiom.co");
  });

  test("behavior: one of the pair alone, or a URL without them, is refused, and no problem quotes the token", () => {
    expect(problems({ AXIOM_API_TOKEN: TOKEN })).toEqual([
      "AXIOM_DATASET: needed with AXIOM_API_TOKEN to ship logs to Axiom",
    ]);
    expect(problems({ AXIOM_DATASET: "pag0" })).toEqual([
      "AXIOM_API_TOKEN: needed with AXIOM_DATASET to ship logs to Axiom",
    ]);
    expect(problems({ AXIOM_URL: "https://api.eu.axiom.co" })).toEqual([
      "AXIOM_URL: set AXIOM_API_TOKEN and AXIOM_DATASET too, or unset it",
    ]);
    const bad = problems({ AXIOM_API_TOKEN: TOKEN, AXIOM_DATASET: "no spaces/here", AXIOM_URL: "ftp://x" });
    expect(bad.map((p) => p.split(":")[0])).toEqual(["AXIOM_DATASET", "AXIOM_URL"]);
    expect(bad.join("\n")).not.toContain(TOKEN);
  });
});

describe("budget settings", () => {
  test("behavior: a daily budget above the monthly one is refused with both values and what to do", () => {
    expect(problems({ PAG0_DAILY_BUDGET: "20", PAG0_MONTHLY_BUDGET: "10" })).toEqual([
      "PAG0_DAILY_BUDGET: the daily budget (20 USDC) must not exceed the monthly budget (PAG0_MONTHLY_BUDGET, " +
        "10 USDC): lower the daily budget or raise the monthly one",
    ]);
  });
});
