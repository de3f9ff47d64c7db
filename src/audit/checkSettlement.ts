import { erc20Abi, type Hex, isAddressEqual, type PublicClient, parseEventLogs, zeroHash } from "viem";
import type { ProofBundle } from "./proofBundle.js";

/** What the payment chain shows for a receipt's settlement transaction. */
export interface SettlementCheck {
  /** null for a receipt that moved no money (a refusal, a release): there is nothing to check */
  ok: boolean | null;
  reason: string;
}

/**
 * Checks a receipt's settlement on the payment chain: its transaction succeeded and moved exactly the receipt's
 * amount of the receipt's asset from the payer to payTo (a USDC Transfer log). The bundle's leaf is the source
 * (`verifyProofBundle` ties it to the receipt and to the anchored root).
 */
export async function checkSettlement(bundle: ProofBundle, client: PublicClient): Promise<SettlementCheck> {
  const { paymentTxHash, asset, payTo, amount } = bundle.leaf;
  if (paymentTxHash === zeroHash) return { ok: null, reason: "no settlement transaction (nothing was paid)" };
  const payer = (bundle.receipt.settlement as { payer?: string } | undefined)?.payer;
  const receipt = await client.getTransactionReceipt({ hash: paymentTxHash as Hex }).catch(() => null);
  if (!receipt) return { ok: false, reason: `settlement ${paymentTxHash} not found on the payment chain` };
  if (receipt.status !== "success") return { ok: false, reason: `settlement ${paymentTxHash} reverted` };
  const transfers = parseEventLogs({ abi: erc20Abi, eventName: "Transfer", logs: receipt.logs }).filter(
    (log) =>
      isAddressEqual(log.address, asset) &&
      isAddressEqual(log.args.to, payTo) &&
      log.args.value === BigInt(amount) &&
      (payer === undefined || isAddressEqual(log.args.from, payer as Hex)),
  );
  return transfers.length > 0
    ? { ok: true, reason: `settlement ${paymentTxHash} moved ${amount} of ${asset} to ${payTo}` }
    : { ok: false, reason: `settlement ${paymentTxHash} has no transfer of ${amount} of ${asset} to ${payTo}` };
}
