import { randomUUID } from "node:crypto";
import { keccak256, toHex } from "viem";
import type { Ledger, SpendRow } from "../../src/ledger/ledger.js";

const PAYER = "0x00000000000000000000000000000000000000Aa";
const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";

/** A principal with room for many small payments. */
export async function auditPrincipal(ledger: Ledger, name = `audit-${randomUUID()}`): Promise<string> {
  await ledger.upsertPrincipal(name, { perRequest: 1_000_000n, daily: 10n ** 12n, monthly: 10n ** 12n });
  return name;
}

/** A reservation through the ledger's real path, for `amount` to a fixed test payee on eip155:84532. */
export async function reservedPayment(
  ledger: Ledger,
  principal: string,
  overrides: { amount?: bigint; payTo?: string; key?: string } = {},
): Promise<SpendRow> {
  const key = overrides.key ?? randomUUID();
  const r = await ledger.reserve({
    principal,
    amount: overrides.amount ?? 1_000n,
    idempotencyKey: key,
    request: { method: "GET", url: `https://api.example.com/data?k=${key}`, host: "api.example.com", requestHash: key },
    quote: {
      scheme: "exact",
      network: "eip155:84532",
      asset: USDC,
      payTo: overrides.payTo ?? "0x00000000000000000000000000000000000000B0",
      x402Version: 2,
      maxTimeoutSeconds: 60,
    },
    ttlSeconds: 60,
  });
  if (!r.ok || r.replayed) throw new Error(`reserve failed: ${JSON.stringify(r)}`);
  return r.spend;
}

/** A reservation that was signed: only settle, release or markUnknown move it on. */
export async function signedPayment(ledger: Ledger, principal: string, overrides: { amount?: bigint } = {}) {
  const spend = await reservedPayment(ledger, principal, overrides);
  return ledger.markSigned(spend.id, {
    payer: PAYER,
    nonce: keccak256(toHex(spend.idempotencyKey)),
    validBefore: 4_000_000_000n,
  });
}

/**
 * A payment taken through the ledger's real path (reserve → sign → settle), which writes its audit receipt.
 * No chain is involved: the settlement tx hash is made up, as receipts only record it.
 */
export async function settledPayment(
  ledger: Ledger,
  principal: string,
  overrides: { amount?: bigint; bodyHash?: string } = {},
): Promise<SpendRow> {
  const signed = await signedPayment(ledger, principal, overrides);
  return ledger.settle(signed.id, {
    txHash: keccak256(toHex(`settle-${signed.idempotencyKey}`)),
    bodyHash: overrides.bodyHash ?? "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  });
}
