import {
  type Address,
  encodeDeployData,
  getAddress,
  type Hex,
  keccak256,
  type LocalAccount,
  type PublicClient,
} from "viem";
import { paymentAuditLogAbi } from "./paymentAuditLogAbi.js";
import { loadPaymentAuditLogArtifact } from "./paymentAuditLogArtifact.js";

export interface DeployedAuditLog {
  address: Address;
  txHash: Hex;
  gasUsed: bigint;
  blockNumber: bigint;
}

/**
 * Deploys PaymentAuditLog from the committed artifact with `operator` as its immutable operator: a legacy
 * transaction priced by eth_gasPrice, as SKALE wants, after checking the RPC serves `chainId`.
 */
export async function deployAuditLog(options: {
  client: PublicClient;
  chainId: number;
  operator: LocalAccount;
  agentId: bigint;
}): Promise<DeployedAuditLog> {
  const { client, operator } = options;
  const served = await client.getChainId();
  if (served !== options.chainId) throw new Error(`the RPC serves chain ${served}, not ${options.chainId}`);
  const { bytecode } = loadPaymentAuditLogArtifact();
  const data = encodeDeployData({ abi: paymentAuditLogAbi, bytecode, args: [operator.address, options.agentId] });
  const [gasPrice, nonce, gas] = await Promise.all([
    client.getGasPrice(),
    client.getTransactionCount({ address: operator.address, blockTag: "pending" }),
    client.estimateGas({ account: operator.address, data }),
  ]);
  const raw = await operator.signTransaction({
    type: "legacy",
    chainId: options.chainId,
    nonce,
    gasPrice,
    gas: (gas * 6n) / 5n,
    data,
  });
  const txHash = await client.sendRawTransaction({ serializedTransaction: raw });
  if (txHash !== keccak256(raw)) throw new Error("the RPC answered another transaction hash");
  const receipt = await client.waitForTransactionReceipt({ hash: txHash, timeout: 120_000 });
  if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`deployment reverted (${txHash})`);
  return {
    address: getAddress(receipt.contractAddress),
    txHash,
    gasUsed: receipt.gasUsed,
    blockNumber: receipt.blockNumber,
  };
}
