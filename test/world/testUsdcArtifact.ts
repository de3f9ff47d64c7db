import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Abi, Hex } from "viem";

/** Committed build output of contracts/test (TestUSDC plus the Multicall3 runtime code). */
export interface TestUsdcArtifact {
  contractName: "TestUSDC";
  solcVersion: string;
  abi: Abi;
  bytecode: Hex;
  multicall3: { abi: Abi; deployedBytecode: Hex };
}

/** Where `npm run contracts:build` writes the artifact and where the world reads it. */
export const testUsdcArtifactPath = fileURLToPath(new URL("../../contracts/build/TestUSDC.json", import.meta.url));

let cached: TestUsdcArtifact | undefined;

/** Reads the committed artifact once per process; tests never compile (solc-js takes about 5 s). */
export function loadTestUsdcArtifact(): TestUsdcArtifact {
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(testUsdcArtifactPath, "utf8");
  } catch (cause) {
    throw new Error(`Missing ${testUsdcArtifactPath}: run \`npm run contracts:build\` once.`, { cause });
  }
  cached = JSON.parse(text) as TestUsdcArtifact;
  return cached;
}
