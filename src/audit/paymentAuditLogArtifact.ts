import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Abi, Hex } from "viem";

/** Committed build output of contracts/PaymentAuditLog.sol (scripts/compileAuditLog.ts writes it). */
export interface PaymentAuditLogArtifact {
  contractName: "PaymentAuditLog";
  solcVersion: string;
  settings: typeof AUDIT_LOG_COMPILER_SETTINGS;
  /** sha256 of the source it was built from: a test fails when the source changed without a rebuild */
  sourceSha256: string;
  abi: Abi;
  bytecode: Hex;
  deployedBytecodeSize: number;
}

/**
 * Istanbul: SKALE asks for Istanbul or lower on its privacy-enabled chains, and it has no PUSH0 or BASEFEE, so the
 * same bytecode runs on every SKALE chain and on local nodes. viaIR: the 11-field NewFeedback event needs it.
 */
export const AUDIT_LOG_COMPILER_SETTINGS = {
  evmVersion: "istanbul",
  viaIR: true,
  optimizer: { enabled: true, runs: 200 },
} as const;

// from src/audit (tsx) and from dist/audit (build) alike
export const paymentAuditLogSourcePath = fileURLToPath(new URL("../../contracts/PaymentAuditLog.sol", import.meta.url));
export const paymentAuditLogArtifactPath = fileURLToPath(
  new URL("../../contracts/build/PaymentAuditLog.json", import.meta.url),
);

let cached: PaymentAuditLogArtifact | undefined;

/** Reads the committed artifact once per process (deploying needs the bytecode; nothing compiles at run time). */
export function loadPaymentAuditLogArtifact(): PaymentAuditLogArtifact {
  cached ??= JSON.parse(readFileSync(paymentAuditLogArtifactPath, "utf8")) as PaymentAuditLogArtifact;
  return cached;
}
