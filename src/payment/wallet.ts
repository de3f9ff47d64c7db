import { type ClientEvmSigner, toClientEvmSigner } from "@x402/evm";
import { privateKeyToAccount } from "viem/accounts";

/** The payer. The private key stays inside viem's account; nothing here can print it. */
export interface Wallet {
  readonly address: `0x${string}`;
  readonly signer: ClientEvmSigner;
  /** signatures made since start: every one of them commits money, so tests and metrics count them */
  readonly signatureCount: number;
}

export function createWallet(privateKey: `0x${string}`): Wallet {
  const account = privateKeyToAccount(privateKey);
  let signatureCount = 0;
  const signer = toClientEvmSigner({
    address: account.address,
    signTypedData: (message) => {
      signatureCount++;
      return account.signTypedData(message as Parameters<typeof account.signTypedData>[0]);
    },
  });
  return {
    address: account.address,
    signer,
    get signatureCount() {
      return signatureCount;
    },
  };
}
