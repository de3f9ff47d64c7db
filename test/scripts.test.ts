import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";

const run = promisify(execFile);
const tsx = (script: string, env: Record<string, string> = {}) =>
  run(process.execPath, ["--import", "tsx", script], { env: { ...process.env, ...env }, timeout: 120_000 });

describe("npm scripts", () => {
  test("behavior: the demo runs end to end: a payment settles, its repeat is a cache hit, one is refused, a receipt is verified", async () => {
    const { stdout } = await run("npm", ["run", "--silent", "demo"], { timeout: 120_000 }); // rejects unless it exits 0
    expect(stdout).toMatch(/settlement tx 0x[0-9a-f]{64}/);
    expect(stdout).toMatch(
      /served from the cache: cached true, payment null, saved 0\.02 USDC; nothing signed, the payer still holds 4\.98 USDC/,
    );
    expect(stdout).toMatch(/refused: BUDGET_EXCEEDED/);
    expect(stdout).toMatch(/the cache saved 0\.02 USDC today/);
    expect(stdout).toMatch(/total: 2 payment\(s\), 0\.02 USDC; saved by the cache 0\.02 USDC/);
    expect(stdout).toMatch(/receipt \S+: anchored in batch \d+, anchor tx 0x[0-9a-f]{64}/);
    // `pag0 audit verify`: the batch, its root, and the check against the root read from the audit contract
    expect(stdout).toMatch(
      /batch \d+ \(receipts seq \d+-\d+\), Merkle root 0x[0-9a-f]{64}, anchored in tx 0x[0-9a-f]{64}/,
    );
    const root = /Merkle root (0x[0-9a-f]{64})/.exec(stdout)?.[1];
    expect(stdout).toContain(`root on chain ${root} proves it; verifyReceipt true`);
    expect(stdout).toMatch(/payment: settlement 0x[0-9a-f]{64} moved 20000 .* -> VERIFIED$/m);
  });

  test("behavior: the bench runs and prints both ratios", async () => {
    const { stdout } = await tsx("bench/index.ts", { BENCH_ITERATIONS: "3" });
    expect(stdout).toMatch(/^paid .* ratio \d+\.\d\dx$/m);
    expect(stdout).toMatch(/^free .* ratio \d+\.\d\dx$/m);
  });
});
