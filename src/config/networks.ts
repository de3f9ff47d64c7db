import type { NetworkOverride } from "./schema.js";

/** SKALE's public RPCs: payment networks and audit chains alike. */
const SKALE_BASE_RPC = "https://skale-base.skalenodes.com/v1/base";
const SKALE_BASE_SEPOLIA_RPC = "https://base-sepolia-testnet.skalenodes.com/v1/jubilant-horrible-ancha";

/** A network Pag0 can pay on. USDC is the only payment asset; `name`/`version` are its EIP-712 domain. */
export interface NetworkConfig {
  /** CAIP-2, e.g. "eip155:84532" */
  id: string;
  chainId: number;
  /** x402 v1 name, for servers that still speak v1 */
  v1Name?: string;
  rpcUrl: string;
  usdc: { address: `0x${string}`; name: string; version: string; decimals: number };
}

export const BUILTIN_NETWORKS: Record<string, Omit<NetworkConfig, "id" | "chainId">> = {
  "eip155:8453": {
    v1Name: "base",
    rpcUrl: "https://mainnet.base.org",
    usdc: { address: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", name: "USD Coin", version: "2", decimals: 6 },
  },
  "eip155:84532": {
    v1Name: "base-sepolia",
    rpcUrl: "https://sepolia.base.org",
    usdc: { address: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", name: "USDC", version: "2", decimals: 6 },
  },
  "eip155:1187947933": {
    rpcUrl: SKALE_BASE_RPC,
    usdc: { address: "0x85889c8c714505E0c94b30fcfcF64fE3Ac8FCb20", name: "USDC", version: "2", decimals: 6 },
  },
  "eip155:324705682": {
    v1Name: "skale-base-sepolia",
    rpcUrl: SKALE_BASE_SEPOLIA_RPC,
    usdc: {
      address: "0x2e08028E3C4c2356572E096d8EF835cD5C6030bD",
      name: "Bridged USDC (SKALE Bridge)",
      version: "1",
      decimals: 6,
    },
  },
};

/** SKALE chains with a built-in public RPC, for the audit log; any other chain id needs SKALE_RPC_URL. */
export const BUILTIN_AUDIT_CHAINS: Record<number, { name: string; rpcUrl: string }> = {
  1187947933: { name: "SKALE Base", rpcUrl: SKALE_BASE_RPC },
  324705682: { name: "SKALE Base Sepolia", rpcUrl: SKALE_BASE_SEPOLIA_RPC },
};

/** The enabled networks: built-ins with the config file's overrides, or networks the file defines whole. */
export function resolveNetworks(
  enabled: string[],
  overrides: NetworkOverride[],
  problems: string[],
): Map<string, NetworkConfig> {
  const out = new Map<string, NetworkConfig>();
  for (const id of enabled) {
    const base = BUILTIN_NETWORKS[id];
    const o = overrides.find((n) => n.id === id);
    const usdc = { ...base?.usdc, ...o?.usdc };
    const rpcUrl = o?.rpcUrl ?? base?.rpcUrl;
    if (!rpcUrl || !usdc.address || !usdc.name || !usdc.version) {
      problems.push(`X402_NETWORKS: ${id} is not a built-in network; define it in the PAG0_CONFIG file's networks`);
      continue;
    }
    out.set(id, {
      id,
      chainId: Number(id.split(":")[1]),
      v1Name: o?.v1Name ?? base?.v1Name,
      rpcUrl,
      usdc: { address: usdc.address as `0x${string}`, name: usdc.name, version: usdc.version, decimals: 6 },
    });
  }
  return out;
}

/** Each enabled network's USDC (address and EIP-712 domain), by CAIP-2 id: what a quote's asset must be. */
export const usdcByNetwork = (networks: ReadonlyMap<string, NetworkConfig>): Map<string, NetworkConfig["usdc"]> =>
  new Map([...networks.values()].map((n) => [n.id, n.usdc]));
