import { describe, expect, test } from "vitest";
import { loadConfig } from "../../src/config/loadConfig.js";
import { configProblems as problems } from "../support/configProblems.js";

const KEY = `0x${"cd".repeat(32)}`;
const CONTRACT = `0x${"12".repeat(20)}`;

describe("audit config", () => {
  test("default: SKALE Base Sepolia with its public RPC, 10 s or 256 receipts, not strict, and not anchoring", () => {
    expect(loadConfig({}).audit).toEqual({
      chainId: 324705682,
      rpcUrl: "https://base-sepolia-testnet.skalenodes.com/v1/jubilant-horrible-ancha",
      contract: undefined,
      signerKey: undefined,
      agentId: undefined,
      batchIntervalMs: 10_000,
      batchSize: 256,
      strict: false,
      maxBacklogSeconds: 300,
      events: false,
      anchoring: false,
    });
  });

  test("behavior: contract and signer turn anchoring on; the names are DESIGN.md's", () => {
    const c = loadConfig({
      SKALE_RPC_URL: "http://127.0.0.1:8545",
      PAG0_AUDIT_CHAIN_ID: "1187947933",
      PAG0_AUDIT_CONTRACT: CONTRACT,
      ERC8004_SIGNER_KEY: KEY,
      ERC8004_AGENT_ID: "42",
      PAG0_AUDIT_BATCH_INTERVAL_MS: "2000",
      PAG0_AUDIT_BATCH_SIZE: "64",
      PAG0_AUDIT_STRICT: "true",
      PAG0_AUDIT_MAX_BACKLOG_SECONDS: "60",
      PAG0_AUDIT_EVENTS: "1",
    }).audit;
    expect(c).toMatchObject({
      chainId: 1187947933,
      rpcUrl: "http://127.0.0.1:8545",
      contract: CONTRACT,
      signerKey: KEY,
      agentId: 42n,
      batchIntervalMs: 2000,
      batchSize: 64,
      strict: true,
      maxBacklogSeconds: 60,
      events: true,
      anchoring: true,
    });
    expect(loadConfig({ PAG0_AUDIT_CHAIN_ID: "1187947933" }).audit.rpcUrl).toBe(
      "https://skale-base.skalenodes.com/v1/base",
    );
  });

  test("behavior: strict mode without anchoring, a chain without an RPC and a bad key are refused, without echoing it", () => {
    expect(problems({ PAG0_AUDIT_STRICT: "true" })).toEqual([expect.stringMatching(/^PAG0_AUDIT_STRICT: .*anchoring/)]);
    expect(problems({ PAG0_AUDIT_CHAIN_ID: "5", PAG0_AUDIT_CONTRACT: CONTRACT })).toEqual([
      expect.stringMatching(/^SKALE_RPC_URL: chain 5 is not a built-in SKALE chain/),
    ]);
    const bad = problems({ ERC8004_SIGNER_KEY: "0xsecret-but-wrong", PAG0_AUDIT_BATCH_SIZE: "0" });
    expect(bad).toHaveLength(2);
    expect(bad).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PAG0_AUDIT_BATCH_SIZE: /),
        expect.stringMatching(/^ERC8004_SIGNER_KEY: /),
      ]),
    );
    expect(bad.join("\n")).not.toContain("secret");
  });
});
