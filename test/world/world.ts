import { type Address, createPublicClient, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type Chain, chainTransport, startChain } from "./chain.js";
import { deployTestUsdc } from "./deployTestUsdc.js";
import { type SettlementRecord, startFacilitator } from "./facilitator.js";
import type { PaidServer } from "./routeTable.js";
import { type TestUsdcAbi, testUsdcAbi } from "./testUsdcAbi.js";
import { toViemChain } from "./toViemChain.js";
import { startV1Server, type V1RouteOptions } from "./v1Server.js";
import { startV2Server, type V2RouteOptions } from "./v2Server.js";

const CHAIN_ID = 84532;
const NETWORK = "eip155:84532";
const V1_NETWORK = "base-sepolia";
const TOKEN_NAME = "USDC";
const TOKEN_VERSION = "2";

/** A complete offline x402 world on 127.0.0.1: chain, TestUSDC, facilitator, and v2 and v1 paid servers. */
export interface World {
  rpcUrl: string;
  /** 84532, so one chain is both `eip155:84532` (v2) and `base-sepolia` (v1, whose id @x402/evm fixes). */
  chainId: number;
  network: typeof NETWORK;
  v1Network: typeof V1_NETWORK;
  /** TestUSDC address (checksummed). */
  usdc: Address;
  usdcAbi: TestUsdcAbi;
  tokenName: typeof TOKEN_NAME;
  tokenVersion: typeof TOKEN_VERSION;
  publicClient: PublicClient;
  /** Raw JSON-RPC to the chain, e.g. `rpc("evm_snapshot")`. */
  rpc: Chain["rpc"];
  facilitatorUrl: string;
  /** The facilitator's gas wallet, which submits every settlement. */
  facilitatorAddress: Address;
  /** Every settle the facilitator answered, in order (v1 and v2). */
  settlements: SettlementRecord[];
  v2: PaidServer<V2RouteOptions>;
  v1: PaidServer<V1RouteOptions>;
  /** A fresh key holding `amountAtomic` TestUSDC (default 100 USDC) and no ETH: EIP-3009 needs none. */
  newPayer(amountAtomic?: bigint): Promise<{ key: Hex; address: Address }>;
  mint(address: Address, amount: bigint): Promise<void>;
  balanceOf(address: Address): Promise<bigint>;
  /** A fresh address nobody holds the key of, e.g. a payTo. */
  newAddress(): Address;
  /** The network entry Pag0's config takes to pay on this chain. */
  networkConfig: {
    id: typeof NETWORK;
    rpcUrl: string;
    usdc: { address: Address; name: string; version: string; decimals: 6 };
  };
  /** Milliseconds per startup step. */
  timings: Record<string, number>;
  stop(): Promise<void>;
}

export interface StartWorldOptions {
  /** Place Multicall3 at its canonical address (default true); false reproduces `simulation_failed`. */
  multicall3?: boolean;
}

/**
 * Starts one world; use one per test file and call `stop()` in `afterAll`. Keys are fresh every run.
 * @example
 * const world = await startWorld();
 * const url = world.v2.route({ price: 50_000n });
 */
export async function startWorld(options: StartWorldOptions = {}): Promise<World> {
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (step: string) => {
    const now = performance.now();
    timings[step] = Math.round(now - mark);
    mark = now;
  };
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stoppers.splice(0).reverse()) await s().catch(() => undefined);
  };

  try {
    const chain = await startChain({ chainId: CHAIN_ID });
    stoppers.push(chain.stop);
    lap("chainMs");

    const publicClient = createPublicClient({
      chain: toViemChain(chain),
      transport: chainTransport(chain.rpcUrl),
      pollingInterval: 25,
    });
    const token = await deployTestUsdc({ chain, publicClient, name: TOKEN_NAME, multicall3: options.multicall3 });
    lap("deployMs");

    const facilitator = await startFacilitator({ chain, network: NETWORK, v1Network: V1_NETWORK });
    stoppers.push(facilitator.stop);
    const usdc = { address: token.address, name: TOKEN_NAME, version: TOKEN_VERSION };
    const serverOptions = { facilitatorUrl: facilitator.url, usdc };
    const [v2, v1] = await Promise.all([
      startV2Server({ ...serverOptions, network: NETWORK, payTo: newAddress() }),
      startV1Server({ ...serverOptions, network: V1_NETWORK, payTo: newAddress() }),
    ]);
    stoppers.push(v2.stop, v1.stop);
    lap("serversMs");

    const balanceOf = (address: Address) =>
      publicClient.readContract({
        address: token.address,
        abi: testUsdcAbi,
        functionName: "balanceOf",
        args: [address],
      });

    return {
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      network: NETWORK,
      v1Network: V1_NETWORK,
      usdc: token.address,
      usdcAbi: testUsdcAbi,
      tokenName: TOKEN_NAME,
      tokenVersion: TOKEN_VERSION,
      publicClient,
      rpc: chain.rpc,
      facilitatorUrl: facilitator.url,
      facilitatorAddress: facilitator.address,
      settlements: facilitator.settlements,
      v2,
      v1,
      async newPayer(amountAtomic = 100_000_000n) {
        const key = generatePrivateKey();
        const { address } = privateKeyToAccount(key);
        if (amountAtomic > 0n) await token.mint(address, amountAtomic);
        return { key, address };
      },
      mint: token.mint,
      balanceOf,
      newAddress,
      networkConfig: { id: NETWORK, rpcUrl: chain.rpcUrl, usdc: { ...usdc, decimals: 6 } },
      timings,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function newAddress(): Address {
  return privateKeyToAccount(generatePrivateKey()).address;
}
