import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../src/config/loadConfig.js";

const KEY = `0x${"ab".repeat(32)}`;

describe("loadConfig", () => {
  test("default: testnet networks, default policy, no wallet, private hosts refused", () => {
    const c = loadConfig({});
    expect([...c.networks.keys()]).toEqual(["eip155:324705682", "eip155:84532"]);
    expect(c.policy.limits).toEqual({ perRequest: 100_000n, daily: 1_000_000n, monthly: 10_000_000n });
    expect(c.policy.maxTimeoutSeconds).toBe(300);
    expect(c.walletPrivateKey).toBeUndefined();
    expect(c.allowPrivateHosts).toBe(false);
    expect(c.networks.get("eip155:84532")?.usdc.address).toBe("0x036CbD53842c5426634e7929541eC2318f3dCF7e");
  });

  test("behavior: reads the environment names of the deployment guide", () => {
    const c = loadConfig({
      WALLET_PRIVATE_KEY: KEY,
      PAG0_DAILY_BUDGET: "2.5",
      PAG0_ALLOWED_HOSTS: "api.example.com, *.paid.dev",
      X402_NETWORKS: "eip155:8453",
      PAG0_ALLOW_PRIVATE_HOSTS: "true",
      LOG_LEVEL: "debug",
    });
    expect(c.walletPrivateKey).toBe(KEY);
    expect(c.policy.limits.daily).toBe(2_500_000n);
    expect(c.policy.allowedHosts).toEqual(["api.example.com", "*.paid.dev"]);
    expect([...c.networks.keys()]).toEqual(["eip155:8453"]);
    expect(c.allowPrivateHosts).toBe(true);
    expect(c.logLevel).toBe("debug");
  });

  test("behavior: reports every problem at once and never echoes the key", () => {
    let error: unknown;
    try {
      loadConfig({ WALLET_PRIVATE_KEY: "0xnotakey-secret", PAG0_DAILY_BUDGET: "lots", LOG_LEVEL: "loud" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/WALLET_PRIVATE_KEY/);
    expect(problems.join("\n")).toMatch(/PAG0_DAILY_BUDGET/);
    expect(problems.join("\n")).toMatch(/LOG_LEVEL/);
    expect((error as Error).message).not.toContain("notakey-secret");
  });

  test("behavior: a daily budget above the monthly one is refused", () => {
    expect(() => loadConfig({ PAG0_DAILY_BUDGET: "20", PAG0_MONTHLY_BUDGET: "10" })).toThrow(/must not exceed/);
  });

  test("behavior: custom networks come from the PAG0_CONFIG file and env wins over the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "pag0-config-"));
    const file = join(dir, "pag0.json");
    const usdc = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    writeFileSync(
      file,
      JSON.stringify({
        dailyBudget: "3.00",
        maxPerRequest: "0.20",
        networks: [
          { id: "eip155:31337", rpcUrl: "http://127.0.0.1:8545", usdc: { address: usdc, name: "USDC", version: "2" } },
        ],
      }),
    );
    const c = loadConfig({ PAG0_CONFIG: file, PAG0_MAX_PER_REQUEST: "0.05" });
    expect(c.policy.limits.daily).toBe(3_000_000n);
    expect(c.policy.limits.perRequest).toBe(50_000n);
    expect(c.networks.get("eip155:31337")).toMatchObject({
      chainId: 31337,
      rpcUrl: "http://127.0.0.1:8545",
      usdc: { address: usdc },
    });
  });

  test("behavior: an enabled network that is neither built in nor defined is a problem", () => {
    expect(() => loadConfig({ X402_NETWORKS: "eip155:999" })).toThrow(/eip155:999 is not a built-in network/);
  });
});
