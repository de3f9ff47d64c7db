import { decodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequired } from "@x402/core/types";
import * as z from "zod";
import type { NetworkConfig } from "../config/loadConfig.js";
import { Pag0Error } from "../errors.js";
import type { Quote } from "../policy/quoteRules.js";

const requirement = z.looseObject({
  scheme: z.string(),
  network: z.string(),
  asset: z.string(),
  payTo: z.string(),
  maxTimeoutSeconds: z.number(),
  amount: z.string().regex(/^\d+$/).optional(),
  extra: z
    .looseObject({ assetTransferMethod: z.string().optional(), name: z.unknown(), version: z.unknown() })
    .optional(),
  maxAmountRequired: z.string().regex(/^\d+$/).optional(),
});
const paymentRequired = z.looseObject({
  x402Version: z.number().int(),
  error: z.string().optional(),
  accepts: z.array(z.unknown()),
});

const invalid = (message: string, cause?: unknown) =>
  new Pag0Error("QUOTE_INVALID", `The server's payment request is invalid: ${message}`, { cause });

/**
 * Read a 402's payment requirements: the v2 `PAYMENT-REQUIRED` header, or a v1 JSON body.
 * Throws QUOTE_INVALID for anything malformed; never trusts the server's shape.
 */
export function readPaymentRequired(getHeader: (name: string) => string | null, bodyText: string): PaymentRequired {
  const header = getHeader("PAYMENT-REQUIRED");
  let decoded: unknown;
  if (header) {
    try {
      decoded = decodePaymentRequiredHeader(header);
    } catch (e) {
      throw invalid("the PAYMENT-REQUIRED header is not base64-encoded JSON", e);
    }
  } else {
    try {
      decoded = JSON.parse(bodyText);
    } catch (e) {
      throw invalid("no PAYMENT-REQUIRED header and the body is not x402 JSON", e);
    }
    if ((decoded as { x402Version?: unknown })?.x402Version !== 1) throw invalid("no PAYMENT-REQUIRED header");
  }
  const parsed = paymentRequired.safeParse(decoded);
  if (!parsed.success) throw invalid("it does not list payment options", parsed.error);
  return parsed.data as unknown as PaymentRequired;
}

/** The options of a 402 as quotes; options we cannot even read are dropped (and counted by the caller). */
export function toQuotes(pr: PaymentRequired, networks: Networks): Quote[] {
  return pr.accepts.flatMap((raw) => {
    const q = toQuote(raw, pr.x402Version, networks);
    return q ? [q] : [];
  });
}

/** Normalize one requirement (v1 or v2) to exactly what would be signed, or null if it is malformed. */
export function toQuote(raw: unknown, x402Version: number, networks: Networks): Quote | null {
  const r = requirement.safeParse(raw);
  if (!r.success) return null;
  const amount = x402Version === 1 ? r.data.maxAmountRequired : r.data.amount;
  const extra = r.data.extra;
  if (amount === undefined) return null;
  return {
    scheme: r.data.scheme,
    transferMethod: extra?.assetTransferMethod ?? "eip3009",
    network: toCaip2(r.data.network, networks),
    asset: r.data.asset,
    amount: BigInt(amount),
    payTo: r.data.payTo,
    maxTimeoutSeconds: r.data.maxTimeoutSeconds,
    x402Version,
    domain:
      typeof extra?.name === "string" && typeof extra.version === "string"
        ? { name: extra.name, version: extra.version }
        : null,
  };
}

/** The networks Pag0 pays on, by CAIP-2 id; the v1 names are theirs (config/networks.ts). */
export type Networks = ReadonlyMap<string, Pick<NetworkConfig, "id" | "v1Name">>;

/**
 * v1 servers name networks ("base-sepolia"); policy speaks CAIP-2 ("eip155:84532"). A name that is not one of
 * Pag0's networks is kept as it is, and policy refuses it as a network that is not enabled.
 */
export function toCaip2(network: string, networks: Networks): string {
  for (const n of networks.values()) if (n.v1Name === network) return n.id;
  return network;
}
