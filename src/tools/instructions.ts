import type { Config } from "../config/loadConfig.js";
import type { BudgetLimits } from "../ledger/ledger.js";
import { toDecimal } from "../money.js";
import { addressOf } from "../payment/wallet.js";

export interface InstructionFacts {
  allowedHosts: string[];
  /** the wallet's address, or null when none is configured */
  payer: string | null;
  networks: string[];
}

/** What the model reads at `initialize`: the active policy, so it can plan before it spends. */
export function instructions(facts: InstructionFacts, limits: BudgetLimits): string {
  const hosts = facts.allowedHosts.length ? ` Only these hosts: ${facts.allowedHosts.join(", ")}.` : "";
  const payer = facts.payer
    ? `Payments are made in USDC from ${facts.payer} on ${facts.networks.join(", ")}.`
    : "No wallet is configured: paid_fetch works for free APIs only.";
  return (
    `Pag0 pays x402 APIs for you. Use paid_fetch to call an API; if it costs money it is paid within a budget you ` +
    `cannot change: at most ${toDecimal(limits.perRequest)} USDC per request, ${toDecimal(limits.daily)} per day ` +
    `and ${toDecimal(limits.monthly)} per month (UTC).${hosts} ${payer} Check get_budget before costly work, pass ` +
    `maxPrice to cap one call, and reuse idempotencyKey when retrying so a request is never paid twice. A paid ` +
    `response that is still fresh is served again from the cache at no cost (cached: true); pass cache: "bypass" ` +
    `only when you need a newer answer.`
  );
}

/**
 * The instructions of `config`'s policy and wallet, for a principal with `limits` (default: the configured ones).
 * `payer` defaults to the wallet key's address; pass it when known, since deriving it costs an ECDH per call.
 */
export const configInstructions = (
  config: Config,
  limits: BudgetLimits = config.policy.limits,
  payer: string | null = config.walletPrivateKey ? addressOf(config.walletPrivateKey) : null,
): string =>
  instructions({ allowedHosts: config.policy.allowedHosts, payer, networks: [...config.networks.keys()] }, limits);
