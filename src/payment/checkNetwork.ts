import { type Address, type PublicClient, parseAbi } from "viem";
import type { NetworkConfig } from "../config/loadConfig.js";

const usdcAbi = parseAbi([
  "function name() view returns (string)",
  "function version() view returns (string)",
  "function balanceOf(address) view returns (uint256)",
]);

/** What one enabled network looks like on chain, compared with its config. */
export interface NetworkCheck {
  network: string;
  /** the RPC's host only: RPC URLs often carry an API key in their path or query */
  rpcHost: string;
  /** each one means payments on this network would fail or go wrong */
  problems: string[];
  chainId?: number;
  /** the token's EIP-712 domain as read on chain: from EIP-5267 `eip712Domain()` where it has it */
  domain?: { name: string; version: string; source: "eip712Domain()" | "name()/version()" };
  /** the payer's USDC balance, when a payer was given */
  balance?: bigint;
}

/**
 * Reads a network's chain id and its USDC's EIP-712 name and version (`eip712Domain()` if the token has it, else
 * `name()` and `version()`) and reports every mismatch with the config: a wrong domain makes every signature fail.
 * Never throws; an unreachable RPC is a problem like any other.
 * @example const { problems } = await checkNetwork(network, paymentChainClient(network), { payer: wallet.address });
 */
export async function checkNetwork(
  network: NetworkConfig,
  client: PublicClient,
  options: { payer?: Address } = {},
): Promise<NetworkCheck> {
  const check: NetworkCheck = { network: network.id, rpcHost: rpcHost(network.rpcUrl), problems: [] };
  try {
    check.chainId = await client.getChainId();
  } catch (e) {
    check.problems.push(`RPC ${check.rpcHost} is unreachable: ${shortReason(e)}`);
    return check;
  }
  if (check.chainId !== network.chainId) {
    check.problems.push(`RPC ${check.rpcHost} serves chain ${check.chainId}, not ${network.chainId}`);
    return check;
  }
  const token = network.usdc.address;
  try {
    const code = await client.getCode({ address: token });
    if (!code || code === "0x") {
      check.problems.push(`no contract at the USDC address ${token}`);
      return check;
    }
    check.domain = await readDomain(client, token);
    if (options.payer) {
      check.balance = await client.readContract({
        address: token,
        abi: usdcAbi,
        functionName: "balanceOf",
        args: [options.payer],
      });
    }
  } catch (e) {
    check.problems.push(`cannot read the USDC contract ${token}: ${shortReason(e)}`);
    return check;
  }
  const { name, version } = check.domain;
  if (name !== network.usdc.name || version !== network.usdc.version) {
    check.problems.push(
      `USDC EIP-712 domain on chain is "${name}" version "${version}", config says "${network.usdc.name}" version ` +
        `"${network.usdc.version}": every payment signature would be rejected`,
    );
  }
  return check;
}

async function readDomain(client: PublicClient, token: Address): Promise<NonNullable<NetworkCheck["domain"]>> {
  try {
    const { domain } = await client.getEip712Domain({ address: token });
    if (domain.name !== undefined && domain.version !== undefined) {
      return { name: domain.name, version: domain.version, source: "eip712Domain()" };
    }
  } catch {
    // most USDC deployments (FiatToken) predate EIP-5267: fall back to the plain getters
  }
  const [name, version] = await Promise.all([
    client.readContract({ address: token, abi: usdcAbi, functionName: "name" }),
    client.readContract({ address: token, abi: usdcAbi, functionName: "version" }),
  ]);
  return { name, version, source: "name()/version()" };
}

function rpcHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}

/**
 * viem's short message plus the root cause ("HTTP request failed (getaddrinfo ENOTFOUND rpc.example)"); not viem's
 * full message, whose details include the whole RPC URL and any key in it.
 */
function shortReason(e: unknown): string {
  const first = (x: unknown) => {
    const err = x as { shortMessage?: string; message?: string };
    return (err.shortMessage ?? err.message ?? String(x)).split("\n")[0]!;
  };
  let root: unknown = e;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  const top = first(e).replace(/\.$/, "");
  return root === e ? top : `${top} (${first(root)})`;
}
