import { createPublicClient, defineChain, http, type PublicClient } from "viem";
import type { AuditConfig } from "../config/audit.js";
import type { NetworkConfig } from "../config/loadConfig.js";
import { BUILTIN_AUDIT_CHAINS } from "../config/networks.js";

/**
 * The only place viem clients are made. A payment network's client reads EIP-3009 state and USDC metadata for the
 * reconciler, `doctor` and `audit reconcile`.
 */
export function paymentChainClient(network: Pick<NetworkConfig, "rpcUrl">, options: { timeoutMs?: number } = {}) {
  return createPublicClient({
    transport: http(network.rpcUrl, { retryCount: 1, timeout: options.timeoutMs ?? 10_000 }),
    pollingInterval: 1000,
  }) as PublicClient;
}

/** One client per payment network, made on first use and kept: what the app hands its background jobs. */
export function paymentChainClients(): (network: NetworkConfig) => PublicClient {
  const clients = new Map<string, PublicClient>();
  return (network) => {
    let client = clients.get(network.id);
    if (!client) {
      client = paymentChainClient(network);
      clients.set(network.id, client);
    }
    return client;
  };
}

/** A viem client of the audit chain (SKALE): 1 s blocks, so receipts are polled every 250 ms. */
export function auditChainClient(audit: Pick<AuditConfig, "chainId" | "rpcUrl">) {
  if (!audit.rpcUrl) throw new Error(`no RPC URL for audit chain ${audit.chainId}: set SKALE_RPC_URL`);
  const chain = defineChain({
    id: audit.chainId,
    name: BUILTIN_AUDIT_CHAINS[audit.chainId]?.name ?? `SKALE ${audit.chainId}`,
    nativeCurrency: { name: "CREDIT", symbol: "CREDIT", decimals: 18 },
    rpcUrls: { default: { http: [audit.rpcUrl] } },
  });
  return createPublicClient({
    chain,
    transport: http(audit.rpcUrl, { retryCount: 1, timeout: 10_000 }),
    pollingInterval: 250,
  });
}
