import { type Address, createWalletClient, getAddress, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type Chain, chainTransport } from "./chain.js";
import { serialQueue } from "./serialQueue.js";
import { testUsdcAbi } from "./testUsdcAbi.js";
import { loadTestUsdcArtifact } from "./testUsdcArtifact.js";
import { toViemChain } from "./toViemChain.js";

/** Canonical Multicall3 address, the same on every chain. */
export const MULTICALL3_ADDRESS: Address = "0xcA11bde05977b3631167028862bE2a173976CA11";

export interface DeployedTestUsdc {
  address: Address;
  /** Mints with the deployer (the only minter) and waits until the block is mined. */
  mint(to: Address, amount: bigint): Promise<void>;
}

export interface DeployTestUsdcOptions {
  chain: Chain;
  publicClient: PublicClient;
  /** EIP-712 domain name; the version is always "2". */
  name: string;
  /** Put Multicall3's runtime code at its canonical address (default true). */
  multicall3?: boolean;
}

/**
 * Deploys TestUSDC from the committed artifact with a fresh, funded deployer, and places Multicall3:
 * @x402/evm's facilitator diagnoses failures with it, and without it every failure reads `simulation_failed`.
 */
export async function deployTestUsdc(options: DeployTestUsdcOptions): Promise<DeployedTestUsdc> {
  const { chain, publicClient } = options;
  const artifact = loadTestUsdcArtifact();
  const deployer = privateKeyToAccount(generatePrivateKey());
  const inNonceOrder = serialQueue();
  await chain.fund(deployer.address, 10n ** 21n);
  const wallet = createWalletClient({
    account: deployer,
    chain: toViemChain(chain),
    transport: chainTransport(chain.rpcUrl),
    pollingInterval: 25,
  });

  const hash = await wallet.deployContract({ abi: testUsdcAbi, bytecode: artifact.bytecode, args: [options.name] });
  const { contractAddress, status } = await publicClient.waitForTransactionReceipt({ hash });
  if (status !== "success" || !contractAddress) throw new Error(`TestUSDC deployment failed (${hash})`);
  // Hardhat reports the address in lowercase; checksum it so it compares equal to what clients echo.
  const address = getAddress(contractAddress);
  if (options.multicall3 !== false) await chain.setCode(MULTICALL3_ADDRESS, artifact.multicall3.deployedBytecode);

  return {
    address,
    async mint(to, amount) {
      const tx = await inNonceOrder(() =>
        wallet.writeContract({ address, abi: testUsdcAbi, functionName: "mint", args: [to, amount] }),
      );
      const receipt = await publicClient.waitForTransactionReceipt({ hash: tx });
      if (receipt.status !== "success") throw new Error(`TestUSDC mint failed (${tx})`);
    },
  };
}
