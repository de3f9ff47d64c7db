import { x402Facilitator } from "@x402/core/facilitator";
import type { Network, PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { toFacilitatorEvmSigner } from "@x402/evm";
import { ExactEvmScheme } from "@x402/evm/exact/facilitator";
import { ExactEvmSchemeV1 } from "@x402/evm/exact/v1/facilitator";
import express, { type Request, type Response } from "express";
import { type Address, createWalletClient, type Hex, publicActions } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type Chain, chainTransport } from "./chain.js";
import { listenLocal } from "./listenLocal.js";
import { serialQueue } from "./serialQueue.js";
import { toViemChain } from "./toViemChain.js";

/** One settle the facilitator answered, successful or not, in the order they happened. */
export interface SettlementRecord {
  x402Version: number;
  success: boolean;
  /** Transaction hash; empty when nothing was broadcast. */
  transaction: string;
  network: string;
  payer?: string;
  payTo: string;
  asset: string;
  /** Atomic amount the requirements asked for (`amount` in v2, `maxAmountRequired` in v1). */
  amount: string;
  errorReason?: string;
}

export interface Facilitator {
  url: string;
  /** The gas wallet that submits `transferWithAuthorization`. */
  address: Address;
  settlements: SettlementRecord[];
  stop(): Promise<void>;
}

export interface StartFacilitatorOptions {
  chain: Chain;
  /** CAIP-2 network for x402 v2, e.g. `eip155:84532`. */
  network: Network;
  /** x402 v1 network name served by the same chain, e.g. `base-sepolia`. */
  v1Network: string;
}

/**
 * The official x402 facilitator (@x402/core + @x402/evm exact, v2 and v1) in process, behind the
 * HTTP shape `HTTPFacilitatorClient` speaks: POST /verify, POST /settle, GET /supported.
 */
export async function startFacilitator(options: StartFacilitatorOptions): Promise<Facilitator> {
  const account = privateKeyToAccount(generatePrivateKey());
  // Concurrent settlements would otherwise reach hardhat out of nonce order.
  const inNonceOrder = serialQueue();
  await options.chain.fund(account.address, 10n ** 21n);
  const client = createWalletClient({
    account,
    chain: toViemChain(options.chain),
    transport: chainTransport(options.chain.rpcUrl),
    // viem's default of 4 s would add seconds to every settle.
    pollingInterval: 25,
  }).extend(publicActions);
  const signer = toFacilitatorEvmSigner(
    {
      address: account.address,
      getCode: (args) => client.getCode(args),
      readContract: (args) => client.readContract(args),
      verifyTypedData: (args) => client.verifyTypedData(args as Parameters<typeof client.verifyTypedData>[0]),
      writeContract: (args) =>
        inNonceOrder(() => client.writeContract(args as Parameters<typeof client.writeContract>[0])),
      sendTransaction: (args) => inNonceOrder(() => client.sendTransaction(args)),
      waitForTransactionReceipt: (args) => client.waitForTransactionReceipt(args),
    },
    { confirmationTimeoutMs: 30_000 },
  );

  // Registered by hand rather than with registerExactEvmScheme(), which would also claim v1 support
  // for every v1 network name (base, polygon, ...) although this chain is only base-sepolia.
  const facilitator = new x402Facilitator()
    .register(options.network, new ExactEvmScheme(signer))
    // registerV1 is typed with the CAIP-2 Network type, but v1 networks are plain names.
    .registerV1(options.v1Network as Network, new ExactEvmSchemeV1(signer));

  const settlements: SettlementRecord[] = [];
  facilitator.onAfterSettle(async ({ paymentPayload, requirements, result }) => {
    settlements.push({
      x402Version: paymentPayload.x402Version,
      success: result.success,
      transaction: result.transaction,
      network: result.network,
      payer: result.payer,
      payTo: requirements.payTo,
      asset: requirements.asset,
      amount: atomicAmount(requirements),
      ...(result.errorReason ? { errorReason: result.errorReason } : {}),
    });
  });

  const app = express();
  app.use(express.json({ limit: "1mb" }));
  app.post(
    "/verify",
    answer((payload, requirements) => facilitator.verify(payload, requirements)),
  );
  app.post(
    "/settle",
    answer((payload, requirements) => facilitator.settle(payload, requirements)),
  );
  app.get("/supported", (_req, res) => {
    res.json(facilitator.getSupported());
  });
  const server = await listenLocal(app);
  return { url: server.url, address: account.address, settlements, stop: server.close };
}

type FacilitatorCall = (payload: PaymentPayload, requirements: PaymentRequirements) => Promise<unknown>;

/** Express handler for /verify and /settle; scheme errors keep their wire shape so clients can read them. */
function answer(call: FacilitatorCall) {
  return async function facilitatorEndpoint(req: Request, res: Response) {
    const { paymentPayload, paymentRequirements } = (req.body ?? {}) as {
      paymentPayload?: PaymentPayload;
      paymentRequirements?: PaymentRequirements;
    };
    if (!paymentPayload || !paymentRequirements) {
      res.status(400).json({ error: "paymentPayload and paymentRequirements are required" });
      return;
    }
    try {
      res.json(await call(paymentPayload, paymentRequirements));
    } catch (error) {
      const e = error as Error & { invalidReason?: string; errorReason?: string; transaction?: Hex };
      if (e.invalidReason) res.status(400).json({ isValid: false, invalidReason: e.invalidReason });
      else if (e.errorReason)
        res.status(400).json({ success: false, errorReason: e.errorReason, transaction: e.transaction ?? "" });
      else res.status(500).json({ error: e.message });
    }
  };
}

function atomicAmount(requirements: PaymentRequirements): string {
  const v1 = requirements as PaymentRequirements & { maxAmountRequired?: string };
  return requirements.amount ?? v1.maxAmountRequired ?? "0";
}
