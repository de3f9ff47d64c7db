import { type Address, createPublicClient, type Hex, http, type PublicClient } from "viem";
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { deployAuditLog } from "../../src/audit/deployAuditLog.js";
import { type Chain, startChain } from "../world/chain.js";
import { toViemChain } from "../world/toViemChain.js";

/** SKALE Base Sepolia's chain id, on a local hardhat node: the audit chain of the tests. */
export const AUDIT_CHAIN_ID = 324705682;

export interface AuditChain {
  chain: Chain;
  rpcUrl: string;
  client: PublicClient;
  /** the log's operator (what ERC8004_SIGNER_KEY holds in production) */
  operatorKey: Hex;
  operator: PrivateKeyAccount;
  contract: Address;
  agentId: bigint;
  /** Deploys another PaymentAuditLog operated by the same key. */
  deploy(agentId?: bigint): Promise<Address>;
  stop(): Promise<void>;
}

/** A local audit chain with a funded operator and one PaymentAuditLog deployed from the committed artifact. */
export async function startAuditChain(options: { agentId?: bigint } = {}): Promise<AuditChain> {
  const chain = await startChain({ chainId: AUDIT_CHAIN_ID });
  try {
    const client = createPublicClient({
      chain: toViemChain(chain),
      // a retry: hardhat closes idle keep-alive sockets, and a busy event loop (PGlite starting) can reuse a dead one
      transport: http(chain.rpcUrl, { retryCount: 2 }),
      pollingInterval: 25,
    });
    const operatorKey = generatePrivateKey();
    const operator = privateKeyToAccount(operatorKey);
    await chain.fund(operator.address, 10n ** 21n);
    const agentId = options.agentId ?? 7n;
    const deploy = async (id = agentId) =>
      (await deployAuditLog({ client, chainId: AUDIT_CHAIN_ID, operator, agentId: id })).address;
    const contract = await deploy();
    return { chain, rpcUrl: chain.rpcUrl, client, operatorKey, operator, contract, agentId, deploy, stop: chain.stop };
  } catch (e) {
    await chain.stop();
    throw e;
  }
}
