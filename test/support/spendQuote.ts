import type { SpendQuote } from "../../src/ledger/ledger.js";

/** A quote as the ledger keeps it: x402 v2 exact, Base Sepolia USDC, to a burn address. */
export const testQuote = (overrides: Partial<SpendQuote> = {}): SpendQuote => ({
  scheme: "exact",
  network: "eip155:84532",
  asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  payTo: "0x000000000000000000000000000000000000dEaD",
  x402Version: 2,
  maxTimeoutSeconds: 60,
  ...overrides,
});
