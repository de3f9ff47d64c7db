import { createECDH } from "node:crypto";
import { keccak_256 } from "@noble/hashes/sha3";
import type { ClientEvmSigner } from "@x402/evm";
import { lazy } from "../lazy.js";

/** The payer. The private key stays inside this closure and viem's account; nothing here can print it. */
export interface Wallet {
  readonly address: `0x${string}`;
  /** signs EIP-712 typed data (an EIP-3009 authorization): the one way money leaves this wallet */
  readonly signTypedData: ClientEvmSigner["signTypedData"];
  /** signatures made since start: every one of them commits money, so tests and metrics count them */
  readonly signatureCount: number;
}

/**
 * The wallet of a private key. Its address is known at once; viem's signing account is loaded at the first
 * signature, so a server that has not paid yet has not loaded it.
 */
export function createWallet(privateKey: `0x${string}`): Wallet {
  const address = addressOf(privateKey);
  const account = lazy(async () => {
    const loaded = (await import("viem/accounts")).privateKeyToAccount(privateKey);
    if (loaded.address !== address) throw new Error("the wallet's signing account has another address");
    return loaded;
  });
  let signatureCount = 0;
  return {
    address,
    signTypedData: async (message) => {
      signatureCount++;
      return (await account()).signTypedData(
        message as Parameters<Awaited<ReturnType<typeof account>>["signTypedData"]>[0],
      );
    },
    get signatureCount() {
      return signatureCount;
    },
  };
}

/** The EIP-55 address of a secp256k1 private key: the last 20 bytes of the keccak-256 of its public key. */
export function addressOf(privateKey: `0x${string}`): `0x${string}` {
  const ecdh = createECDH("secp256k1");
  ecdh.setPrivateKey(Buffer.from(privateKey.slice(2), "hex"));
  const hex = Buffer.from(keccak_256(ecdh.getPublicKey().subarray(1)).subarray(-20)).toString("hex");
  const checksum = Buffer.from(keccak_256(hex)).toString("hex");
  return `0x${[...hex].map((c, i) => (Number.parseInt(checksum[i] ?? "0", 16) >= 8 ? c.toUpperCase() : c)).join("")}`;
}
