import type { Address, PublicClient } from "viem";
import { type AuditLogHead, auditLogReader } from "./auditLogReader.js";

export interface AuditChainExpectation {
  /** the audit chain the config names */
  chainId: number;
  contract: Address;
  /** the address of ERC8004_SIGNER_KEY */
  operator: Address;
  /** ERC8004_AGENT_ID, when set */
  agentId?: bigint;
}

/**
 * Is the audit chain what the config says: the RPC serves the audit chain, a PaymentAuditLog lives at the contract,
 * the signer operates it and it anchors for the configured agent? The anchorer runs this once before anchoring (and
 * stops for good on a problem); `pag0 doctor` reports it. RPC failures throw.
 */
export async function checkAuditChain(
  client: PublicClient,
  expected: AuditChainExpectation,
): Promise<{ head: AuditLogHead; problem: null } | { head: null; problem: string }> {
  const id = await client.getChainId();
  if (id !== expected.chainId) {
    return { head: null, problem: `SKALE_RPC_URL serves chain ${id}, not the audit chain ${expected.chainId}` };
  }
  const head = await auditLogReader(client, expected.contract)
    .head()
    .catch(() => null);
  if (!head) return { head: null, problem: `no PaymentAuditLog at ${expected.contract} on chain ${id}` };
  if (head.operator.toLowerCase() !== expected.operator.toLowerCase()) {
    return {
      head: null,
      problem: `ERC8004_SIGNER_KEY (${expected.operator}) is not the operator of ${expected.contract} (${head.operator})`,
    };
  }
  if (expected.agentId !== undefined && head.agentId !== expected.agentId) {
    return {
      head: null,
      problem: `${expected.contract} anchors for agentId ${head.agentId}, ERC8004_AGENT_ID is ${expected.agentId}`,
    };
  }
  return { head, problem: null };
}
