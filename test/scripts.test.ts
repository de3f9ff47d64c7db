import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";

const run = promisify(execFile);
const tsx = (script: string, env: Record<string, string> = {}) =>
  run(process.execPath, ["--import", "tsx", script], { env: { ...process.env, ...env }, timeout: 120_000 });

describe("npm scripts", () => {
  test("behavior: the demo runs end to end: one payment settles, one is refused for budget", async () => {
    const { stdout } = await tsx("scripts/demo.ts");
    expect(stdout).toMatch(/settlement tx 0x[0-9a-f]{64}/);
    expect(stdout).toMatch(/refused: BUDGET_EXCEEDED/);
    expect(stdout).toMatch(/total: 1 payment\(s\), 0\.02 USDC/);
  });

  test("behavior: the bench runs and prints both ratios", async () => {
    const { stdout } = await tsx("bench/index.ts", { BENCH_ITERATIONS: "3" });
    expect(stdout).toMatch(/^paid .* ratio \d+\.\d\dx$/m);
    expect(stdout).toMatch(/^free .* ratio \d+\.\d\dx$/m);
  });
});
