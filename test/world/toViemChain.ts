import { defineChain, type Chain as ViemChain } from "viem";
import type { Chain } from "./chain.js";

/**
 * The viem chain for a local node. Deliberately not viem's `baseSepolia`, although the id matches:
 * that one carries Base's public RPC URL and OP-stack formatters, and nothing here may leave 127.0.0.1.
 */
export function toViemChain(chain: Pick<Chain, "chainId" | "rpcUrl">): ViemChain {
  return defineChain({
    id: chain.chainId,
    name: "pag0-local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [chain.rpcUrl] } },
  });
}
