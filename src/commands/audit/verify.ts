import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type Address, getAddress, isAddress } from "viem";
import { auditChainClient, paymentChainClient } from "../../app/chainClients.js";
import { checkSettlement } from "../../audit/checkSettlement.js";
import { buildProofBundle, type ProofBundle, type TrustAnchor, verifyProofBundle } from "../../audit/proofBundle.js";
import type { Config } from "../../config/loadConfig.js";
import type { AuditIo } from "../audit.js";
import { OPTIONS } from "./options.js";

// `pag0 audit verify`: a receipt's proof bundle, checked against the verifier's own trust anchor.

export type VerifyFlags = {
  offline?: boolean;
  "allow-offline"?: boolean;
  rpc?: string;
  contract?: string;
  operator?: string;
  "agent-id"?: string;
  "payment-rpc"?: string;
};

export async function verify(io: AuditIo, ref: string, flags: VerifyFlags): Promise<number> {
  const { ledger, config } = io.deps;
  const receipts = await ledger.auditReceipts(
    /^0x[0-9a-fA-F]{64}$/.test(ref) ? { receiptHash: ref } : { receiptId: ref },
  );
  if (receipts.length === 0) {
    io.err(`No audit receipt for ${ref}: a payment still open has none yet, and free calls have none.\n`);
    return 1;
  }
  const bundles: ProofBundle[] = [];
  for (const r of receipts) {
    const sealed = r.batch && (await ledger.auditBatch(r.batch.batchId));
    if (!sealed) {
      io.err(`receipt entry ${r.entry} (${r.kind}): queued, not in a batch yet; try again after the next anchor.\n`);
      continue;
    }
    bundles.push(buildProofBundle(r, sealed));
  }
  io.out(`${JSON.stringify(bundles.length === 1 ? bundles[0] : bundles, null, 2)}\n`);
  const code = await checkBundles(bundles, flags, config, io);
  return code === 0 && bundles.length < receipts.length ? 1 : code;
}

/** `pag0 audit verify bundle.json`: a third party's check, with no ledger: the bundle, a contract address, an RPC. */
export async function verifyBundleFile(
  args: string[],
  config: Config,
  io: Pick<AuditIo, "out" | "err">,
): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true });
  const parsed = JSON.parse(readFileSync(positionals[0] as string, "utf8")) as ProofBundle | ProofBundle[];
  return checkBundles(Array.isArray(parsed) ? parsed : [parsed], values, config, io);
}

/**
 * The exit code of checking `bundles` against the verifier's own trust anchor: 0 only when every bundle was proven
 * against a root read from the trusted contract (or, with --allow-offline, checked offline as asked).
 */
async function checkBundles(
  bundles: ProofBundle[],
  flags: VerifyFlags,
  config: Config,
  io: Pick<AuditIo, "err">,
): Promise<number> {
  if (bundles.length === 0) return 1;
  const anchor = flags.offline ? null : trustAnchor(flags, config);
  if (anchor && "problem" in anchor) {
    io.err(`pag0 audit verify: ${anchor.problem}\n`);
    return 2;
  }
  const paymentClient = flags["payment-rpc"] ? paymentChainClient({ rpcUrl: flags["payment-rpc"] }) : null;
  let ok = true;
  for (const b of bundles) {
    const c = await verifyProofBundle(b, anchor ?? undefined).catch((e: Error) => {
      io.err(`the audit chain could not be read: ${e.message.split("\n")[0]}\n`);
      return null;
    });
    if (!c) return 1;
    const settlement = paymentClient ? await checkSettlement(b, paymentClient) : null;
    const chainPart = anchor
      ? `${c.trustedAnchor ? "" : `anchored on ${b.chain.contract} (chain ${b.chain.chainId}), NOT the trusted contract; `}` +
        `${c.contractIdentity ? "" : "the contract's operator or agentId is not the expected one; "}` +
        `root on chain ${c.chainRoot ?? "none"} ${c.proofAgainstChainRoot ? "proves it" : "does NOT prove it"}; ` +
        `verifyReceipt ${c.contractVerifies}`
      : "not checked on chain (--offline)";
    const settled = settlement ? `; payment: ${settlement.reason}` : "";
    const verdict = !anchor
      ? c.receiptHash && c.leafMatchesReceipt && c.proofLocal
        ? "NOT VERIFIED ON CHAIN"
        : "NOT VERIFIED"
      : c.ok && settlement?.ok !== false
        ? "VERIFIED"
        : "NOT VERIFIED";
    io.err(
      `receipt ${b.receipt.receiptId ?? `entry ${b.receipt.entry}`} (${b.receipt.kind}, seq ${b.leaf.seq}, batch ` +
        `${b.batch.batchId}): receiptHash ${c.receiptHash ? "ok" : "MISMATCH"}, leaf ${c.leafMatchesReceipt ? "ok" : "MISMATCH"}, ` +
        `proof ${c.proofLocal ? "ok" : "FAILS"} locally; ${chainPart}${settled} -> ${verdict}\n`,
    );
    const offlineOk = !anchor && flags["allow-offline"] === true && verdict === "NOT VERIFIED ON CHAIN";
    ok &&= verdict === "VERIFIED" || offlineOk;
  }
  return ok ? 0 : 1;
}

/** The verifier's own RPC and trusted contract (flags, then config); a bundle never chooses either. */
function trustAnchor(flags: VerifyFlags, config: Config): TrustAnchor | { problem: string } {
  const contract = flags.contract ?? config.audit.contract;
  if (!contract || !isAddress(contract)) {
    return {
      problem:
        "name the PaymentAuditLog you trust: --contract <address> (the operator publishes it) or PAG0_AUDIT_CONTRACT; or --offline",
    };
  }
  const rpcUrl = flags.rpc ?? config.audit.rpcUrl;
  if (!rpcUrl) return { problem: "no RPC of the audit chain: --rpc <url> or SKALE_RPC_URL; or --offline" };
  if (flags.operator !== undefined && !isAddress(flags.operator)) return { problem: "--operator is not an address" };
  if (flags["agent-id"] !== undefined && !/^\d+$/.test(flags["agent-id"]))
    return { problem: "--agent-id is not a number" };
  return {
    client: auditChainClient({ chainId: config.audit.chainId, rpcUrl }) as unknown as TrustAnchor["client"],
    contract: getAddress(contract),
    operator: flags.operator as Address | undefined,
    agentId: flags["agent-id"] === undefined ? undefined : BigInt(flags["agent-id"]),
  };
}
