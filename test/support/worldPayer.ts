import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PaymentRequired } from "@x402/core/types";
import { type Config, loadConfig } from "../../src/config/loadConfig.js";
import { readPaymentRequired } from "../../src/payment/quote.js";
import { createWallet, type Wallet } from "../../src/payment/wallet.js";
import { createX402Payer, type X402Payer } from "../../src/payment/x402Payer.js";
import type { World } from "../world/world.js";

export interface WorldPayer {
  /** the networks of a Pag0 configured for this world (eip155:84532, v1 name base-sepolia) */
  networks: Config["networks"];
  wallet: Wallet;
  payer: X402Payer;
}

/** The real x402 payer of a fresh funded wallet, on the world's chain, as `createApp` would build it. */
export async function worldPayer(world: World, fundedAtomic?: bigint): Promise<WorldPayer> {
  const dir = mkdtempSync(join(tmpdir(), "pag0-payer-"));
  const file = join(dir, "pag0.json");
  writeFileSync(file, JSON.stringify({ networks: [world.networkConfig] }));
  const { networks } = loadConfig({ PAG0_CONFIG: file, PAG0_DATA_DIR: dir });
  const wallet = createWallet((await world.newPayer(fundedAtomic)).key);
  return { networks, wallet, payer: createX402Payer({ wallet, networks }) };
}

/** The 402 a paid route answers to a plain GET, read as the quote stage reads it. */
export async function paymentRequiredOf(url: string): Promise<PaymentRequired> {
  const res = await fetch(url);
  if (res.status !== 402) throw new Error(`expected 402 from ${url}, got ${res.status}`);
  return readPaymentRequired((name) => res.headers.get(name), await res.text());
}
