import { type Address, type Hex, type PublicClient, parseAbiItem } from "viem";
import type { AuditStore } from "../ledger/auditStore.js";

const transferEvent = parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)");

export interface UnreceiptedTransfer {
  txHash: Hex;
  to: Address;
  /** USDC atomic units */
  amount: bigint;
  blockNumber: bigint;
}

export interface CompletenessReport {
  network: string;
  fromBlock: bigint;
  toBlock: bigint;
  transfers: number;
  /** transfers from the wallet that no settlement receipt names: paid outside Pag0, or a receipt is missing */
  unmatched: UnreceiptedTransfer[];
}

export interface CompletenessDeps {
  store: Pick<AuditStore, "settledTxHashes">;
  /** the payment chain */
  client: PublicClient;
  network: string;
  usdc: Address;
  wallet: Address;
  /** the window; default: the last `blocks` blocks up to the latest */
  fromBlock?: bigint;
  toBlock?: bigint;
  blocks?: bigint;
  /** blocks per eth_getLogs call, under common RPC range limits */
  chunk?: bigint;
}

/**
 * Every USDC transfer from the wallet over a block window must map to a settlement receipt (by transaction
 * hash); the ones that do not are reported. This catches money that left without an audit record.
 */
export async function checkCompleteness(deps: CompletenessDeps): Promise<CompletenessReport> {
  const toBlock = deps.toBlock ?? (await deps.client.getBlockNumber());
  const span = deps.blocks ?? 10_000n;
  const fromBlock = deps.fromBlock ?? (toBlock >= span ? toBlock - span + 1n : 0n);
  const chunk = deps.chunk ?? 2_000n;
  const transfers: UnreceiptedTransfer[] = [];
  for (let start = fromBlock; start <= toBlock; start += chunk) {
    const end = start + chunk - 1n < toBlock ? start + chunk - 1n : toBlock;
    const logs = await deps.client.getLogs({
      address: deps.usdc,
      event: transferEvent,
      args: { from: deps.wallet },
      fromBlock: start,
      toBlock: end,
    });
    for (const log of logs) {
      if (!log.transactionHash || log.blockNumber === null) continue;
      transfers.push({
        txHash: log.transactionHash,
        to: log.args.to as Address,
        amount: log.args.value ?? 0n,
        blockNumber: log.blockNumber,
      });
    }
  }
  const known = new Set<string>();
  for (let i = 0; i < transfers.length; i += 500) {
    for (const h of await deps.store.settledTxHashes(transfers.slice(i, i + 500).map((t) => t.txHash))) known.add(h);
  }
  return {
    network: deps.network,
    fromBlock,
    toBlock,
    transfers: transfers.length,
    unmatched: transfers.filter((t) => !known.has(t.txHash.toLowerCase())),
  };
}
