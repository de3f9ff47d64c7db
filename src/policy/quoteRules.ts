import { isAddress, zeroAddress } from "viem";
import { type Denial, deny } from "../denial.js";
import { toDecimal } from "../money.js";

/** One payment option of a 402, normalized across x402 v1 and v2: exactly what would be signed. */
export interface Quote {
  scheme: string;
  /** how the asset moves; only EIP-3009 authorizations can be reconciled from chain state */
  transferMethod: string;
  /** CAIP-2 (v1 names are mapped) */
  network: string;
  asset: string;
  amount: bigint;
  payTo: string;
  maxTimeoutSeconds: number;
  x402Version: number;
  /** the EIP-712 domain the server names for the asset (`extra.name`/`extra.version`): the signature is made for it */
  domain: { name: string; version: string } | null;
}

/** A network's USDC: its address and its EIP-712 domain (config/networks.ts). */
export interface UsdcToken {
  address: string;
  name: string;
  version: string;
}

export interface QuoteRules {
  /** enabled network id → its USDC */
  usdcByNetwork: ReadonlyMap<string, UsdcToken>;
  allowedPayees: readonly string[];
  blockedPayees: readonly string[];
  perRequest: bigint;
  /** the caller's own ceiling; can only lower `perRequest` */
  maxPrice?: bigint;
  maxTimeoutSeconds: number;
}

/** Checks in the order a quote gets closer to acceptable; used to pick the most telling denial. */
const CHECKS: ((q: Quote, r: QuoteRules) => Denial | null)[] = [
  (q) => (q.scheme === "exact" ? null : deny("QUOTE_INVALID", `Payment scheme "${q.scheme}" is not supported.`)),
  (q) =>
    q.transferMethod === "eip3009"
      ? null
      : deny("QUOTE_INVALID", `Transfer method "${q.transferMethod}" is not supported; only EIP-3009 is paid.`),
  (q, r) =>
    r.usdcByNetwork.has(q.network)
      ? null
      : deny("NETWORK_NOT_ALLOWED", `Network ${q.network} is not enabled for payments.`, {
          network: q.network,
          enabled: [...r.usdcByNetwork.keys()],
        }),
  (q, r) =>
    r.usdcByNetwork.get(q.network)?.address.toLowerCase() === q.asset.toLowerCase()
      ? null
      : deny("ASSET_NOT_ALLOWED", `Asset ${q.asset} is not USDC on ${q.network}; only USDC is paid.`, {
          asset: q.asset,
          network: q.network,
        }),
  (q, r) => {
    // a signature for another domain could never settle, yet the server would hold it until it expires
    const usdc = r.usdcByNetwork.get(q.network);
    if (!usdc || (q.domain?.name === usdc.name && q.domain.version === usdc.version)) return null;
    const named = q.domain ? `"${q.domain.name}" version ${q.domain.version}` : "no EIP-712 domain";
    return deny(
      "QUOTE_INVALID",
      `The quote names ${named} for USDC on ${q.network}, whose EIP-712 domain is "${usdc.name}" version ${usdc.version}; a signature for it could not settle.`,
      { network: q.network, quoted: q.domain, expected: { name: usdc.name, version: usdc.version } },
    );
  },
  (q) => {
    // refused before anything is reserved: a signature for such a payee could never settle, yet would hold budget
    if (!isAddress(q.payTo, { strict: true })) {
      return deny("QUOTE_INVALID", `The quote's payTo ${q.payTo.slice(0, 64)} is not a valid address.`, {
        payTo: q.payTo.slice(0, 64),
      });
    }
    if (q.payTo.toLowerCase() === zeroAddress) {
      return deny("PAYEE_NOT_ALLOWED", "The quote pays the zero address, which nobody can receive from.", {
        payTo: q.payTo,
      });
    }
    return null;
  },
  (q, r) => {
    const payTo = q.payTo.toLowerCase();
    const blocked = r.blockedPayees.includes(payTo);
    if (!blocked && (r.allowedPayees.length === 0 || r.allowedPayees.includes(payTo))) return null;
    return deny("PAYEE_NOT_ALLOWED", `Payee ${q.payTo} is ${blocked ? "blocked" : "not on the allowed payees list"}.`, {
      payTo: q.payTo,
    });
  },
  (q, r) =>
    Number.isInteger(q.maxTimeoutSeconds) && q.maxTimeoutSeconds > 0 && q.maxTimeoutSeconds <= r.maxTimeoutSeconds
      ? null
      : deny(
          "QUOTE_INVALID",
          `The quote's payment window (${q.maxTimeoutSeconds} s) is outside the allowed 1..${r.maxTimeoutSeconds} s.`,
          { maxTimeoutSeconds: q.maxTimeoutSeconds, cap: r.maxTimeoutSeconds },
        ),
  (q) => (q.amount > 0n ? null : deny("QUOTE_INVALID", "The quote asks for a zero or negative amount.")),
  (q, r) => {
    const limit = r.maxPrice !== undefined && r.maxPrice < r.perRequest ? r.maxPrice : r.perRequest;
    if (q.amount <= limit) return null;
    const which = limit === r.perRequest ? "the per-request limit" : "your maxPrice";
    return deny(
      "PRICE_ABOVE_LIMIT",
      `Price ${toDecimal(q.amount)} USDC is above ${which} of ${toDecimal(limit)} USDC; nothing was paid.`,
      {
        price: toDecimal(q.amount),
        limit: toDecimal(limit),
        limitSource: limit === r.perRequest ? "policy" : "maxPrice",
      },
    );
  },
];

/** Evaluate one quote against the policy. `null` means it may be paid (budgets are checked by reservation). */
export function checkQuote(quote: Quote, rules: QuoteRules): Denial | null {
  return evaluate(quote, rules).denial;
}

/**
 * Split a 402's options into the ones policy allows and, if none is allowed, the most telling denial:
 * the one from the option that passed the most checks (`denied`, which the audit receipt records).
 */
export function screenQuotes(
  quotes: Quote[],
  rules: QuoteRules,
): { allowed: Quote[]; denial: Denial | null; denied?: Quote } {
  if (quotes.length === 0)
    return { allowed: [], denial: deny("QUOTE_INVALID", "The 402 response offers no payment option.") };
  const results = quotes.map((q) => ({ q, ...evaluate(q, rules) }));
  const allowed = results.filter((r) => r.denial === null).map((r) => r.q);
  if (allowed.length > 0) return { allowed, denial: null };
  const best = results.reduce((a, b) => (b.passed > a.passed ? b : a));
  return { allowed, denial: best.denial, denied: best.q };
}

function evaluate(quote: Quote, rules: QuoteRules): { denial: Denial | null; passed: number } {
  for (const [i, check] of CHECKS.entries()) {
    const denial = check(quote, rules);
    if (denial) return { denial, passed: i };
  }
  return { denial: null, passed: CHECKS.length };
}
