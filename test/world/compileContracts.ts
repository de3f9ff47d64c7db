/**
 * Rebuilds contracts/build/TestUSDC.json from contracts/test with solc-js (bundled compiler, no download).
 * Run with `npm run contracts:build`; the world only reads the committed artifact.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";
import type { Abi, Hex } from "viem";
import { type TestUsdcArtifact, testUsdcArtifactPath } from "./testUsdcArtifact.js";

const sourceDir = fileURLToPath(new URL("../../contracts/test/", import.meta.url));

interface SolcOutput {
  errors?: { severity: "error" | "warning" | "info"; formattedMessage: string }[];
  contracts: Record<
    string,
    Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
}

/** Compiles TestUSDC and MiniMulticall3 with the settings every local chain can run. */
export function compileContracts(): TestUsdcArtifact {
  const files = ["TestUSDC.sol", "MiniMulticall3.sol"];
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(files.map((f) => [f, { content: readFileSync(sourceDir + f, "utf8") }])),
    settings: {
      optimizer: { enabled: true, runs: 200 },
      // Paris: no PUSH0/MCOPY, so the code also runs on London-era chains such as ganache.
      evmVersion: "paris",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join("\n")}`);

  const token = output.contracts["TestUSDC.sol"]?.TestUSDC;
  const multicall = output.contracts["MiniMulticall3.sol"]?.MiniMulticall3;
  if (!token || !multicall) throw new Error("solc output is missing TestUSDC or MiniMulticall3");
  return {
    contractName: "TestUSDC",
    solcVersion: solc.version() as string,
    abi: token.abi,
    bytecode: `0x${token.evm.bytecode.object}` as Hex,
    multicall3: { abi: multicall.abi, deployedBytecode: `0x${multicall.evm.deployedBytecode.object}` as Hex },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const artifact = compileContracts();
  mkdirSync(dirname(testUsdcArtifactPath), { recursive: true });
  writeFileSync(testUsdcArtifactPath, `${JSON.stringify(artifact, null, 2)}\n`);
  // A CLI script, not library code: reporting on stderr keeps stdout clean all the same.
  process.stderr.write(
    `solc ${artifact.solcVersion}: ${Math.round(performance.now() - started)} ms -> ${testUsdcArtifactPath}\n`,
  );
}
