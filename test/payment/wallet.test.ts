import { randomBytes } from "node:crypto";
import { recoverTypedDataAddress } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { describe, expect, test } from "vitest";
import { addressOf, createWallet } from "../../src/payment/wallet.js";

const HARDHAT_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const randomKey = () => `0x${randomBytes(32).toString("hex")}` as const;

const typedData = {
  domain: {
    name: "USDC",
    version: "2",
    chainId: 84532,
    verifyingContract: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  },
  types: { Ping: [{ name: "n", type: "uint256" }] },
  primaryType: "Ping",
  message: { n: 7n },
} as const;

describe("wallet", () => {
  test("default: the address is viem's, EIP-55 checksummed", () => {
    expect(addressOf(HARDHAT_0)).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    for (let i = 0; i < 50; i++) {
      const key = randomKey();
      expect(addressOf(key)).toBe(privateKeyToAddress(key));
    }
  });

  test("behavior: signatures recover to the wallet's address and are counted", async () => {
    const wallet = createWallet(randomKey());
    expect(wallet.signatureCount).toBe(0);
    const signature = await wallet.signTypedData(typedData as never);
    expect(await recoverTypedDataAddress({ ...typedData, signature })).toBe(wallet.address);
    expect(wallet.signatureCount).toBe(1);
  });

  test("behavior: a key outside the curve is refused", () => {
    expect(() => addressOf(`0x${"00".repeat(32)}`)).toThrow();
    expect(() => addressOf(`0x${"ff".repeat(32)}`)).toThrow();
  });
});
