import { x402Client, x402HTTPClient } from "@x402/core/client";
import type { PaymentPayload, PaymentRequired } from "@x402/core/types";
import { toClientEvmSigner } from "@x402/evm";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { ExactEvmSchemeV1 } from "@x402/evm/v1";
import type { NetworkConfig } from "../config/loadConfig.js";
import { isPag0Error, Pag0Error } from "../errors.js";
import type { Authorization } from "../ledger/ledger.js";
import { toDecimal } from "../money.js";
import type { Quote } from "../policy/quoteRules.js";
import { PAYMENT_IDENTIFIER, withPaymentId } from "./paymentId.js";
import { toQuote } from "./quote.js";
import type { Wallet } from "./wallet.js";

export interface SignedPayment {
  quote: Quote;
  /** PAYMENT-SIGNATURE (v2) or X-PAYMENT (v1) */
  headers: Record<string, string>;
  authorization: Authorization;
}

export interface SignOptions<A> {
  /** the options policy allows; the official client picks among these only */
  allowed: Quote[];
  /** per-payment atomic cap, enforced again by the official client's spend controls (defence in depth) */
  cap: bigint;
  /** Asked with the exact option about to be signed, as the last step before the signature. */
  ask(quote: Quote): Promise<A>;
  /** Whether that answer lets the signature go ahead. */
  proceed(answer: A): boolean;
  /** the x402 `payment-identifier` sent with a v2 payment (paymentId.ts) */
  paymentId: string;
}

/** How a signing ended, with the answer `ask` gave (if it was asked): the caller owns what that answer holds. */
export type Signing<A> =
  | { kind: "signed"; payment: SignedPayment; answer: A }
  | { kind: "declined"; quote: Quote; answer: A }
  | { kind: "failed"; error: unknown; answer?: A };

export interface X402Payer {
  sign<A>(paymentRequired: PaymentRequired, options: SignOptions<A>): Promise<Signing<A>>;
}

/** Pays through the official x402 client, registered for the enabled networks only (v2 ids and v1 names). */
export function createX402Payer(deps: { wallet: Wallet; networks: ReadonlyMap<string, NetworkConfig> }): X402Payer {
  const { wallet, networks } = deps;
  const signer = toClientEvmSigner({ address: wallet.address, signTypedData: wallet.signTypedData });
  return {
    async sign<A>(paymentRequired: PaymentRequired, options: SignOptions<A>): Promise<Signing<A>> {
      // one client per call: the hooks and caps below belong to this call alone
      const client = new x402Client();
      const assets: { network: string; asset: string; maxAmountPerPayment: string }[] = [];
      for (const n of networks.values()) {
        client.register(n.id as `${string}:${string}`, new ExactEvmScheme(signer));
        const cap = { asset: n.usdc.address, maxAmountPerPayment: options.cap.toString() };
        assets.push({ network: n.id, ...cap });
        if (n.v1Name) {
          client.registerV1(n.v1Name, new ExactEvmSchemeV1(signer));
          assets.push({ network: n.v1Name, ...cap });
        }
      }
      client.setSpendControls({
        maxAmountPerPayment: `$${toDecimal(options.cap)}`,
        allowedAssets: assets as never,
      });
      client.registerPolicy((version, reqs) =>
        reqs.filter((r) => {
          const q = toQuote(r, version, networks);
          return q !== null && options.allowed.some((a) => sameQuote(a, q));
        }),
      );
      client.registerExtension({
        key: PAYMENT_IDENTIFIER,
        enrichPaymentPayload: async (payload, pr) => withPaymentId(payload, pr, options.paymentId),
      });
      // the official client's hook can only abort: what it was told, and what stopped it, are kept here
      const hook = { asked: null as { quote: Quote; answer: A } | null, declined: false, stopped: null as unknown };
      client.onBeforePaymentCreation(async ({ paymentRequired: pr, selectedRequirements }) => {
        const quote = toQuote(selectedRequirements, pr.x402Version, networks);
        if (!quote) {
          hook.stopped = new Pag0Error("QUOTE_INVALID", "The selected payment option is malformed.");
          return { abort: true, reason: "QUOTE_INVALID" };
        }
        const answer = await options.ask(quote).catch((e: unknown) => {
          hook.stopped = e;
          throw e;
        });
        hook.asked = { quote, answer };
        hook.declined = !options.proceed(answer);
        return hook.declined ? { abort: true, reason: "declined" } : undefined;
      });

      let payload: PaymentPayload;
      try {
        payload = await client.createPaymentPayload(paymentRequired);
      } catch (e) {
        const seen = hook.asked;
        if (seen && hook.declined) return { kind: "declined", ...seen };
        const error =
          hook.stopped ??
          (isPag0Error(e)
            ? e
            : new Pag0Error("QUOTE_INVALID", "No payment option of this server can be paid under the policy.", {
                cause: e,
              }));
        return { kind: "failed", error, answer: seen?.answer };
      }
      const seen = hook.asked;
      const authorization = authorizationOf(payload);
      if (!seen)
        return { kind: "failed", error: new Pag0Error("PAYMENT_FAILED", "The x402 client signed without asking.") };
      if (!authorization) {
        return {
          kind: "failed",
          error: new Pag0Error("PAYMENT_FAILED", "The x402 client produced a payment Pag0 cannot track."),
          answer: seen.answer,
        };
      }
      const headers = new x402HTTPClient(client).encodePaymentSignatureHeader(payload);
      return { kind: "signed", payment: { quote: seen.quote, headers, authorization }, answer: seen.answer };
    },
  };
}

const sameQuote = (a: Quote, b: Quote) =>
  a.scheme === b.scheme &&
  a.network === b.network &&
  a.asset.toLowerCase() === b.asset.toLowerCase() &&
  a.payTo.toLowerCase() === b.payTo.toLowerCase() &&
  a.amount === b.amount &&
  a.maxTimeoutSeconds === b.maxTimeoutSeconds &&
  a.transferMethod === b.transferMethod &&
  a.domain?.name === b.domain?.name &&
  a.domain?.version === b.domain?.version;

function authorizationOf(payload: PaymentPayload): Authorization | null {
  const auth = (payload.payload as { authorization?: Record<string, unknown> }).authorization;
  if (!auth || typeof auth.from !== "string" || typeof auth.nonce !== "string") return null;
  return { payer: auth.from, nonce: auth.nonce, validBefore: BigInt(String(auth.validBefore)) };
}
