/**
 * Rebuilds contracts/build/PaymentAuditLog.json from contracts/PaymentAuditLog.sol with solc-js (the compiler is
 * the npm `solc` package, no download). Run with `npm run contracts:build`; Pag0 only reads the committed artifact.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";
import type { Abi, Hex } from "viem";
import {
  AUDIT_LOG_COMPILER_SETTINGS,
  type PaymentAuditLogArtifact,
  paymentAuditLogArtifactPath,
  paymentAuditLogSourcePath,
} from "../src/audit/paymentAuditLogArtifact.js";

interface SolcOutput {
  errors?: { severity: "error" | "warning" | "info"; formattedMessage: string }[];
  contracts: Record<
    string,
    Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
}

/** Compiles PaymentAuditLog with the committed settings (istanbul, viaIR: the 11-field event needs it). */
export function compileAuditLog(): PaymentAuditLogArtifact {
  const source = readFileSync(paymentAuditLogSourcePath, "utf8");
  const input = {
    language: "Solidity",
    sources: { "PaymentAuditLog.sol": { content: source } },
    settings: {
      ...AUDIT_LOG_COMPILER_SETTINGS,
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
  const contract = output.contracts["PaymentAuditLog.sol"]?.PaymentAuditLog;
  if (!contract) throw new Error("solc output is missing PaymentAuditLog");
  return {
    contractName: "PaymentAuditLog",
    solcVersion: solc.version() as string,
    settings: AUDIT_LOG_COMPILER_SETTINGS,
    sourceSha256: createHash("sha256").update(source).digest("hex"),
    abi: contract.abi,
    bytecode: `0x${contract.evm.bytecode.object}` as Hex,
    deployedBytecodeSize: contract.evm.deployedBytecode.object.length / 2,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const artifact = compileAuditLog();
  mkdirSync(dirname(paymentAuditLogArtifactPath), { recursive: true });
  writeFileSync(paymentAuditLogArtifactPath, `${JSON.stringify(artifact, null, 2)}\n`);
  process.stderr.write(
    `solc ${artifact.solcVersion} (${artifact.settings.evmVersion}): ${Math.round(performance.now() - started)} ms, ` +
      `${artifact.deployedBytecodeSize} bytes runtime -> ${paymentAuditLogArtifactPath}\n`,
  );
}
