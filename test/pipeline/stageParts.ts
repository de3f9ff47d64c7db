import type { App } from "../../src/app.js";
import { usdcByNetwork } from "../../src/config/networks.js";
import type { QuoteRules } from "../../src/policy/quoteRules.js";

/** The policy a stage test pays under: the app's networks, no payee lists, 1 USDC per request. */
export function testQuoteRules(app: App, overrides: Partial<QuoteRules> = {}): Omit<QuoteRules, "maxPrice"> {
  return {
    usdcByNetwork: usdcByNetwork(app.config.networks),
    allowedPayees: [],
    blockedPayees: [],
    perRequest: 1_000_000n,
    maxTimeoutSeconds: 3_600,
    ...overrides,
  };
}
