import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { createWalletClient, type Hex, http } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { checkSettlement } from "../../src/audit/checkSettlement.js";
import { deployAuditLog } from "../../src/audit/deployAuditLog.js";
import { paymentAuditLogAbi } from "../../src/audit/paymentAuditLogAbi.js";
import { type ProofBundle, verifyProofBundle } from "../../src/audit/proofBundle.js";
import { receiptHash } from "../../src/audit/receiptHash.js";
import { LEAF_ENCODING, leafValues, receiptLeaf } from "../../src/audit/receiptLeaf.js";
import { runAudit } from "../../src/commands/audit.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import { pag0StdioTransport } from "../support/pag0StdioTransport.js";
import { openRawPglite } from "../support/rawPglite.js";
import { startTestPag0, type TestPag0 } from "../support/testPag0.js";
import { toViemChain } from "../world/toViemChain.js";
import { startWorld, type World } from "../world/world.js";
import { AUDIT_CHAIN_ID, type AuditChain, startAuditChain } from "./auditChain.js";
import { type RpcProxy, startRpcProxy } from "./rpcProxy.js";

let world: World;
let audit: AuditChain;
let proxy: RpcProxy;
let ledger: Ledger;
let pg: PGlite;
let pag0: TestPag0;
let payer: { key: `0x${string}`; address: `0x${string}` };
const started: TestPag0[] = [];

/** Pag0's audit settings: the audit chain behind a proxy the tests can take down. */
const auditEnv = (extra: Record<string, string> = {}) => ({
  SKALE_RPC_URL: proxy.url,
  PAG0_AUDIT_CONTRACT: audit.contract,
  ERC8004_SIGNER_KEY: audit.operatorKey,
  ERC8004_AGENT_ID: audit.agentId.toString(),
  PAG0_AUDIT_BATCH_INTERVAL_MS: "300",
  ...extra,
});

beforeAll(async () => {
  let raw: Awaited<ReturnType<typeof openRawPglite>>;
  [world, audit, raw] = await Promise.all([startWorld(), startAuditChain(), openRawPglite()]);
  ({ ledger, pg } = raw);
  proxy = await startRpcProxy(audit.rpcUrl);
  payer = await world.newPayer();
  pag0 = await startTestPag0({ world, ledger, payerKey: payer.key, env: auditEnv() });
  started.push(pag0);
  pag0.deps.anchorer?.start();
});
afterAll(async () => {
  await pag0?.deps.anchorer?.stop();
  await Promise.all(started.map((p) => p.close()));
  await ledger?.close();
  await proxy?.stop();
  await Promise.all([world?.stop(), audit?.stop()]);
});

/** `pag0 audit …` in process, against this file's ledger and chains. */
async function cli(...args: string[]) {
  let out = "";
  let err = "";
  const code = await runAudit(args, {
    deps: pag0.deps,
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

/** Polls until every listed payment's receipt is anchored (the anchorer runs in the background). */
async function untilAnchored(receiptIds: string[], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const items = (await pag0.call("list_spend", { limit: 100 })).structuredContent.items as any[];
    const mine = items.filter((i) => receiptIds.includes(i.receiptId));
    if (mine.length === receiptIds.length && mine.every((i) => i.audit.status === "anchored")) return mine;
    if (Date.now() > deadline) throw new Error(`not anchored in time: ${JSON.stringify(mine.map((i) => i.audit))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function pay(price = 10_000n) {
  const res = await pag0.call("paid_fetch", { url: world.v2.route({ price }) });
  expect(res.isError).toBeFalsy();
  return res.structuredContent;
}

describe("audit of paid calls", () => {
  test("default: paid calls get receipts that are anchored, and `pag0 audit verify` proves each on chain and off chain", async () => {
    const paid = [await pay(10_000n), await pay(20_000n)];
    const v1 = (await pag0.call("paid_fetch", { url: world.v1.route({ price: 30_000n }) })).structuredContent;
    paid.push(v1);
    const items = await untilAnchored(paid.map((p) => p.receiptId));

    for (const p of paid) {
      const item = items.find((i) => i.receiptId === p.receiptId);
      const { code, out, err } = await cli("verify", p.receiptId);
      expect(err).toMatch(/VERIFIED/);
      expect(code).toBe(0);
      const bundle = JSON.parse(out) as ProofBundle;
      expect(bundle.receipt).toMatchObject({
        kind: "settlement",
        receiptId: p.receiptId,
        quote: { amount: p.payment.amountAtomic, payTo: p.payment.payTo, x402Version: p.payment.x402Version },
        settlement: { txHash: p.payment.txHash },
      });
      expect(bundle.leaf).toMatchObject({ paymentTxHash: p.payment.txHash, amount: p.payment.amountAtomic });
      expect(bundle.batch).toMatchObject({ batchId: item.audit.batchId, anchorTx: item.audit.anchorTx });
      expect(await verifyProofBundle(bundle, { client: audit.client, contract: audit.contract })).toMatchObject({
        receiptHash: true,
        leafMatchesReceipt: true,
        proofLocal: true,
        chainRoot: bundle.batch.root,
        proofAgainstChainRoot: true,
        contractVerifies: true,
        ok: true,
      });
      // the anchor transaction is a real BatchAnchored of that batch
      const anchor = await audit.client.getTransactionReceipt({ hash: item.audit.anchorTx });
      expect(anchor.status).toBe("success");
    }

    // a third party holding only the bundle file and an RPC
    const file = join(mkdtempSync(join(tmpdir(), "pag0-proof-")), "proof.json");
    writeFileSync(file, (await cli("verify", paid[0]?.receiptId)).out);
    const third = await cli("verify", file, "--rpc", audit.rpcUrl);
    expect(third.code).toBe(0);
    expect(third.err).toMatch(/VERIFIED/);
  });

  test("behavior: changing any field of a stored receipt makes its proof fail", async () => {
    const p = await pay(15_000n);
    await untilAnchored([p.receiptId]);
    const [{ entry, receipt }] = (await ledger.auditReceipts({ receiptId: p.receiptId })) as any[];
    const paths = leafPaths(receipt);
    expect(paths.length).toBeGreaterThan(20);
    for (const path of paths) {
      const value = path.reduce((o: any, k) => o[k], receipt);
      const changed = typeof value === "number" ? value + 1 : value === null ? "x" : `${value}0`;
      await pg.query("update audit_outbox set receipt = jsonb_set(receipt, $1, $2::jsonb) where id = $3", [
        path,
        JSON.stringify(changed),
        entry,
      ]);
      const tampered = await cli("verify", p.receiptId);
      expect({ path: path.join("."), code: tampered.code }).toEqual({ path: path.join("."), code: 1 });
      expect(tampered.err).toMatch(/NOT VERIFIED/);
      await pg.query("update audit_outbox set receipt = $1::jsonb where id = $2", [JSON.stringify(receipt), entry]);
    }
    expect((await cli("verify", p.receiptId)).code).toBe(0);
  });

  test("behavior: a payment refused by policy leaves an anchored denial receipt; nothing is signed", async () => {
    const before = pag0.deps.wallet?.signatureCount;
    const url = world.v2.route({ price: 90_000n });
    const res = await pag0.call("paid_fetch", { url, maxPrice: "0.05" });
    expect(res.structuredContent.error.code).toBe("PRICE_ABOVE_LIMIT");
    expect(pag0.deps.wallet?.signatureCount).toBe(before);
    const rows = (
      await pg.query<{ receipt: any; receipt_hash: string | null }>(
        "select receipt, receipt_hash from audit_outbox where kind = 'denial' and receipt #>> '{request,url}' = $1",
        [url],
      )
    ).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]?.receipt).toMatchObject({
      principal: pag0.principal,
      policy: { decision: "deny" },
      quote: { amount: "90000", network: world.network },
      settlement: null,
      code: "PRICE_ABOVE_LIMIT",
    });
    // anchored with the next batch: provable by its hash
    const deadline = Date.now() + 60_000;
    let sealed: string | null = null;
    while (!sealed && Date.now() < deadline) {
      sealed =
        (
          await pg.query<{ receipt_hash: string | null }>(
            "select o.receipt_hash from audit_outbox o join audit_batches b using (batch_id) where b.status = 'confirmed' and o.receipt #>> '{request,url}' = $1",
            [url],
          )
        ).rows[0]?.receipt_hash ?? null;
      if (!sealed) await new Promise((r) => setTimeout(r, 100));
    }
    const verified = await cli("verify", sealed as string);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.out).leaf.paymentTxHash).toBe(`0x${"0".repeat(64)}`);
  });

  test("behavior: a refused call returns its receiptId; list_spend lists it as refused and `pag0 audit verify <id>` proves it", async () => {
    // a principal of its own with a small daily budget, on the same ledger (this file's anchorer anchors it)
    const tight = await startTestPag0({
      world,
      ledger,
      payerKey: payer.key,
      env: auditEnv(),
      limits: { daily: 15_000n },
    });
    started.push(tight);
    const before = tight.deps.wallet?.signatureCount;
    expect((await tight.call("paid_fetch", { url: world.v2.route({ price: 10_000n }) })).isError).toBeFalsy();
    const overBudget = (await tight.call("paid_fetch", { url: world.v2.route({ price: 10_000n }) })).structuredContent;
    const overPrice = (await tight.call("paid_fetch", { url: world.v2.route({ price: 9_000n }), maxPrice: "0.005" }))
      .structuredContent;
    expect(overBudget.error).toMatchObject({
      code: "BUDGET_EXCEEDED",
      details: { receiptId: expect.stringMatching(/^d\d+$/) },
    });
    expect(overPrice.error).toMatchObject({
      code: "PRICE_ABOVE_LIMIT",
      details: { receiptId: expect.stringMatching(/^d\d+$/) },
    });
    expect(tight.deps.wallet?.signatureCount).toBe((before ?? 0) + 1);
    const ids = [overPrice.error.details.receiptId, overBudget.error.details.receiptId];

    const listed = async () => (await tight.call("list_spend", { status: "refused" })).structuredContent;
    const deadline = Date.now() + 60_000;
    let page = await listed();
    while (page.items.some((i: any) => i.audit.status !== "anchored") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      page = await listed();
    }
    expect(page.items.map((i: any) => [i.receiptId, i.status, i.code, i.amount, i.audit.status])).toEqual([
      [ids[0], "refused", "PRICE_ABOVE_LIMIT", "0.009", "anchored"],
      [ids[1], "refused", "BUDGET_EXCEEDED", "0.01", "anchored"],
    ]);
    expect(page.totals).toEqual({ spent: "0.00", saved: "0.00", count: 2 });
    // the default listing is of payments: the one that went through, and no refusal
    const spend = (await tight.call("list_spend", {})).structuredContent;
    expect(spend.items.map((i: any) => i.status)).toEqual(["settled"]);

    for (const id of ids) {
      const { code, out, err } = await cli("verify", id);
      expect(err).toMatch(new RegExp(`receipt ${id} \\(denial.* -> VERIFIED`));
      expect(code).toBe(0);
      const bundle = JSON.parse(out) as ProofBundle;
      expect(bundle.receipt).toMatchObject({
        kind: "denial",
        receiptId: id,
        principal: tight.principal,
        settlement: null,
      });
      expect(bundle.batch.batchId).toBe(page.items.find((i: any) => i.receiptId === id).audit.batchId);
    }
  });

  test("behavior: with the audit chain down, paid calls keep working and receipts wait; back up, they are anchored in order with no gap and no duplicate", async () => {
    proxy.down();
    const paid: any[] = [];
    try {
      for (let i = 0; i < 4; i++) paid.push(await pay(5_000n));
      for (const p of paid) {
        expect((await world.publicClient.getTransactionReceipt({ hash: p.payment.txHash })).status).toBe("success");
      }
      await new Promise((r) => setTimeout(r, 1_500)); // the anchorer keeps trying meanwhile
      const waiting = (await pag0.call("list_spend", { limit: 100 })).structuredContent.items.filter((i: any) =>
        paid.some((p) => p.receiptId === i.receiptId),
      );
      expect(waiting.map((i: any) => i.audit.status)).toEqual(["queued", "queued", "queued", "queued"]);
      const status = await cli("status", "--json");
      expect(JSON.parse(status.out).backlog.unanchored).toBeGreaterThanOrEqual(4);
      expect(JSON.parse(status.out).chain).toHaveProperty("error");
    } finally {
      proxy.up();
    }
    await untilAnchored(paid.map((p) => p.receiptId));

    const rows = (
      await pg.query<{ seq: string | null }>("select o.seq::text as seq from audit_outbox o order by o.seq")
    ).rows;
    const [lastBatchId, lastSeq] = await audit.client.readContract({
      address: audit.contract,
      abi: paymentAuditLogAbi,
      functionName: "head",
    });
    const sealed = rows.filter((r) => r.seq !== null).map((r) => Number(r.seq));
    expect(sealed).toEqual(Array.from({ length: sealed.length }, (_, i) => i + 1));
    expect(BigInt(sealed.length)).toBe(lastSeq);
    const events = await audit.client.getContractEvents({
      address: audit.contract,
      abi: paymentAuditLogAbi,
      eventName: "BatchAnchored",
      fromBlock: 0n,
    });
    expect(events.map((e) => e.args.batchId)).toEqual(events.map((_, i) => BigInt(i + 1)));
    expect(BigInt(events.length)).toBe(lastBatchId);
    for (const [i, e] of events.entries()) {
      expect(e.args.fromSeq).toBe(i === 0 ? 1n : (events[i - 1]?.args.toSeq as bigint) + 1n);
    }
  });

  test("behavior: `pag0 audit reconcile` reports a USDC transfer made outside Pag0 from the same wallet", async () => {
    const viaPag0 = await pay(12_000n);
    await world.rpc("hardhat_setBalance", [payer.address, "0xde0b6b3a7640000"]);
    const wallet = createWalletClient({
      account: privateKeyToAccount(payer.key),
      chain: toViemChain(world),
      transport: http(world.rpcUrl),
    });
    const outside = await wallet.writeContract({
      address: world.usdc,
      abi: world.usdcAbi,
      functionName: "transfer",
      args: [world.newAddress(), 1_234n],
    });
    await world.publicClient.waitForTransactionReceipt({ hash: outside });

    const { code, out } = await cli("reconcile", "--from-block", "0");
    expect(code).toBe(1);
    expect(out).toMatch(new RegExp(`NO RECEIPT\\s+${outside}`));
    expect(out).toMatch(/1 without a receipt/);
    expect(out).not.toContain(viaPag0.payment.txHash);
  });
});

describe("pag0 audit verify: only the verifier's trust anchor", () => {
  /** `pag0 audit verify <file> …` with `config` (default: this file's, the audit chain configured) */
  async function verifyFile(bundle: ProofBundle, args: string[] = [], config = pag0.deps.config) {
    const file = join(mkdtempSync(join(tmpdir(), "pag0-forged-")), "bundle.json");
    writeFileSync(file, JSON.stringify(bundle));
    let err = "";
    const code = await runAudit(["verify", file, ...args], {
      deps: { ...pag0.deps, config },
      out: () => {},
      err: (t) => {
        err += t;
      },
    });
    return { code, err };
  }

  /** The same receipt with another amount, made self-consistent: its own one-leaf tree, root and proof. */
  function forge(genuine: ProofBundle, seq = genuine.leaf.seq, batchId = genuine.batch.batchId): ProofBundle {
    const receipt = structuredClone(genuine.receipt) as any;
    receipt.quote.amount = (BigInt(receipt.quote.amount) * 100n).toString();
    const hash = receiptHash(receipt);
    const leaf = receiptLeaf(BigInt(seq), receipt, hash, BigInt(genuine.leaf.agentId));
    const tree = StandardMerkleTree.of([leafValues(leaf)], [...LEAF_ENCODING]);
    return {
      ...genuine,
      receipt,
      receiptHash: hash,
      leaf: { ...genuine.leaf, seq, receiptHash: hash, amount: leaf.amount.toString() },
      proof: tree.getProof(0) as Hex[],
      batch: { ...genuine.batch, batchId, root: tree.root as Hex, fromSeq: seq, toSeq: seq },
    };
  }

  test("behavior: forged bundles exit non-zero, with and without the audit chain configured; the genuine one verifies", {
    timeout: 120_000,
  }, async () => {
    const paid = await pay(15_000n);
    await untilAnchored([paid.receiptId]);
    const genuine = JSON.parse((await cli("verify", paid.receiptId)).out) as ProofBundle;
    const bare = loadConfig({ PAG0_DATA_DIR: mkdtempSync(join(tmpdir(), "pag0-bare-")) }); // no audit chain configured
    const trusted = ["--rpc", audit.rpcUrl, "--contract", audit.contract];

    expect((await verifyFile(genuine)).code).toBe(0);
    expect((await verifyFile(genuine, trusted, bare)).code).toBe(0);
    expect((await verifyFile(genuine, [...trusted, "--operator", audit.operator.address])).code).toBe(0);

    // a look-alike PaymentAuditLog deployed by another key, with the forged root anchored on it
    const stranger = privateKeyToAccount(generatePrivateKey());
    await audit.chain.fund(stranger.address, 10n ** 21n);
    const lookalike = (
      await deployAuditLog({
        client: audit.client,
        chainId: AUDIT_CHAIN_ID,
        operator: stranger,
        agentId: audit.agentId,
      })
    ).address;
    const onLookalike = { ...forge(genuine, "1", "1"), chain: { ...genuine.chain, contract: lookalike } };
    const strangerWallet = createWalletClient({
      account: stranger,
      chain: toViemChain(audit.chain),
      transport: http(audit.rpcUrl),
    });
    const anchored = await strangerWallet.writeContract({
      address: lookalike,
      abi: paymentAuditLogAbi,
      functionName: "anchorBatch",
      args: [1n, onLookalike.batch.root, 1n, 1n, 1, ""],
    });
    await audit.client.waitForTransactionReceipt({ hash: anchored });

    const changedAmount = structuredClone(genuine) as any;
    changedAmount.receipt.quote.amount = "1";
    const forgeries: [string, ProofBundle][] = [
      ["a changed amount", changedAmount],
      ["a self-consistent bundle with a fake root", forge(genuine)],
      ["an unknown chain id", { ...genuine, chain: { ...genuine.chain, chainId: 777_777 } }],
      ["a look-alike contract deployed by another key", onLookalike],
    ];
    for (const [what, bundle] of forgeries) {
      const configured = await verifyFile(bundle);
      expect(configured.code, `${what}, audit chain configured`).not.toBe(0);
      expect(configured.err, what).toMatch(/NOT VERIFIED/);
      expect((await verifyFile(bundle, trusted, bare)).code, `${what}, trust given as flags`).not.toBe(0);
      expect((await verifyFile(bundle, [], bare)).code, `${what}, nothing configured`).not.toBe(0);
    }
    // a verifier pointed at the look-alike itself still refuses it when it names the operator it expects
    const tricked = await verifyFile(onLookalike, ["--contract", lookalike, "--operator", audit.operator.address]);
    expect(tricked.code).not.toBe(0);
    expect(tricked.err).toMatch(/operator or agentId is not the expected one/);

    // offline is explicit, and says so
    const offline = await verifyFile(genuine, ["--offline"]);
    expect(offline.code).toBe(1);
    expect(offline.err).toMatch(/NOT VERIFIED ON CHAIN/);
    expect((await verifyFile(genuine, ["--offline", "--allow-offline"])).code).toBe(0);
    expect((await verifyFile(forge(genuine), ["--offline", "--allow-offline"])).code).toBe(0); // offline proves little
    expect((await verifyFile(changedAmount, ["--offline", "--allow-offline"])).code).toBe(1);
  });

  test("behavior: --payment-rpc checks the settlement transfer; a receipt whose amount is not the transfer fails", async () => {
    const paid = await pay(16_000n);
    await untilAnchored([paid.receiptId]);
    const genuine = JSON.parse((await cli("verify", paid.receiptId)).out) as ProofBundle;
    const checked = await verifyFile(genuine, ["--payment-rpc", world.rpcUrl]);
    expect(checked.code).toBe(0);
    expect(checked.err).toMatch(/payment: settlement 0x[0-9a-f]{64} moved 16000/);
    expect(await checkSettlement(genuine, world.publicClient)).toMatchObject({ ok: true });
    const otherAmount = { ...genuine, leaf: { ...genuine.leaf, amount: "16001" } };
    expect(await checkSettlement(otherAmount, world.publicClient)).toMatchObject({ ok: false });
    const otherPayee = { ...genuine, leaf: { ...genuine.leaf, payTo: world.newAddress() } };
    expect(await checkSettlement(otherPayee, world.publicClient)).toMatchObject({ ok: false });
  });
});

describe("pag0 stdio", () => {
  test("behavior: the anchorer runs in the background of `pag0 stdio`: a paid call's receipt gets anchored", async () => {
    const contract = await audit.deploy(); // the child has its own ledger, so its own log
    const transport = pag0StdioTransport(world, {
      WALLET_PRIVATE_KEY: payer.key,
      SKALE_RPC_URL: audit.rpcUrl,
      PAG0_AUDIT_CONTRACT: contract,
      ERC8004_SIGNER_KEY: audit.operatorKey,
      PAG0_AUDIT_BATCH_INTERVAL_MS: "300",
    });
    const stderr: string[] = [];
    transport.stderr?.on("data", (d) => stderr.push(String(d)));
    const client = new Client({ name: "audit-stdio-test", version: "0" });
    await client.connect(transport);
    try {
      // the embedded ledger opens first (seconds of CPU): paying during that would race the upstream's keep-alive
      await client.callTool({ name: "get_budget", arguments: {} });
      const paid = (await client.callTool({
        name: "paid_fetch",
        arguments: { url: world.v2.route({ price: 2_000n }) },
      })) as any;
      expect(paid.isError, `${JSON.stringify(paid.structuredContent)}\n${stderr.join("")}`).toBeFalsy();
      const deadline = Date.now() + 60_000;
      let audited: any;
      do {
        await new Promise((r) => setTimeout(r, 200));
        const list = (await client.callTool({ name: "list_spend", arguments: {} })) as any;
        audited = list.structuredContent.items.find(
          (i: any) => i.receiptId === paid.structuredContent.receiptId,
        )?.audit;
      } while (audited?.status !== "anchored" && Date.now() < deadline);
      expect(audited).toMatchObject({ status: "anchored", batchId: "1" });
      const events = await audit.client.getContractEvents({
        address: contract,
        abi: paymentAuditLogAbi,
        eventName: "BatchAnchored",
        fromBlock: 0n,
      });
      expect(events.map((e) => e.transactionHash)).toEqual([audited.anchorTx]);
    } finally {
      await client.close();
    }
  });
});

describe("audit backpressure", () => {
  test("behavior: in strict mode a paid call is refused with AUDIT_BACKLOG once the oldest unanchored receipt is too old; otherwise a warning and a metric", async () => {
    const strict = await startTestPag0({
      world,
      ledger,
      payerKey: payer.key,
      env: auditEnv({ PAG0_AUDIT_STRICT: "true", PAG0_AUDIT_MAX_BACKLOG_SECONDS: "1" }),
    });
    const lenient = await startTestPag0({
      world,
      ledger,
      payerKey: payer.key,
      env: auditEnv({ PAG0_AUDIT_MAX_BACKLOG_SECONDS: "1" }),
    });
    started.push(strict, lenient);
    proxy.down();
    try {
      expect((await strict.call("paid_fetch", { url: world.v2.route({ price: 1_000n }) })).isError).toBeFalsy();
      await new Promise((r) => setTimeout(r, 2_100)); // that receipt is now older than the limit, and cannot anchor
      const signatures = strict.deps.wallet?.signatureCount;
      const balance = await world.balanceOf(payer.address);
      const refused = await strict.call("paid_fetch", { url: world.v2.route({ price: 1_000n }) });
      expect(refused.structuredContent.error).toMatchObject({
        code: "AUDIT_BACKLOG",
        details: { limitSeconds: 1 },
      });
      expect(refused.structuredContent.error.details.oldestUnanchoredSeconds).toBeGreaterThan(1);
      expect(strict.deps.wallet?.signatureCount).toBe(signatures);
      expect(await world.balanceOf(payer.address)).toBe(balance);
      expect((await strict.call("paid_fetch", { url: world.v2.route({ free: true }) })).isError).toBeFalsy();

      expect((await lenient.call("paid_fetch", { url: world.v2.route({ price: 1_000n }) })).isError).toBeFalsy();
      expect(lenient.logs.join("")).toMatch(/PAG0_AUDIT_MAX_BACKLOG_SECONDS/);
      expect(await lenient.deps.metrics.registry.getSingleMetricAsString("pag0_audit_backlog_seconds")).toMatch(
        /pag0_audit_backlog_seconds [1-9]\d*/,
      );
    } finally {
      proxy.up();
    }
  });
});

/** Every path to a leaf value (string, number, null) of a JSON object. */
function leafPaths(value: unknown, path: string[] = []): string[][] {
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]));
  }
  return [path];
}
