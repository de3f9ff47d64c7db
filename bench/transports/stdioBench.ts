import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { x402Client } from "@x402/core/client";
import { decodePaymentResponseHeader } from "@x402/core/http";
import { toClientEvmSigner } from "@x402/evm";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import { privateKeyToAccount } from "viem/accounts";
import type { World } from "../../test/world/world.js";
import type { BenchPackage } from "./buildPackage.js";
import { interleaved, type Stats } from "./stats.js";

export interface StdioCounts {
  /** sequential samples per case for cache hits and free calls */
  calls: number;
  /** sequential samples per case for paid calls (each one settles on chain) */
  paid: number;
  /** spawn-to-initialize samples per server */
  starts: number;
}

export interface StdioFigures {
  hit: { pag0: Stats; bare: Stats };
  free: { pag0: Stats; direct: Stats };
  paid: { pag0: Stats; bare: Stats };
  initialize: { pag0: Stats; bare: Stats };
}

const PRICE = 1_000n; // 0.001 USDC

type CallResult = Awaited<ReturnType<Client["callTool"]>> & { structuredContent?: any };

/**
 * Spawn `node <args>` with StdioClientTransport and connect the SDK Client, as an MCP host does; `initializeMs` is
 * from the spawn to the initialize answer (connect() then only sends `notifications/initialized`).
 */
async function connectStdio(args: string[], env: Record<string, string>) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    env: { PATH: process.env.PATH ?? "", ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d) => {
    stderr = (stderr + String(d)).slice(-8000);
  });
  const client = new Client({ name: "bench-host", version: "0" });
  const t0 = performance.now();
  await client.connect(transport);
  return { client, stderr: () => stderr, initializeMs: performance.now() - t0 };
}

/** Throw (with the answer) unless `ok`: a broken run must not print good numbers. */
function expect(ok: boolean, what: string, answer: unknown): void {
  if (!ok) throw new Error(`${what}: unexpected answer ${JSON.stringify(answer).slice(0, 600)}`);
}

/**
 * `pag0 stdio` (compiled) driven by the SDK Client over StdioClientTransport, each case interleaved with its
 * baseline: a cache hit vs a no-op tool on a bare SDK stdio server, a free call vs fetching it here, a paid call
 * vs a bare @x402/fetch client, and spawn-to-initialize vs the bare server.
 */
export async function stdioBench(o: {
  pkg: BenchPackage;
  world: World;
  pag0Env: (dataDir: string) => Record<string, string>;
  barePayerKey: `0x${string}`;
  dir: string;
  counts: StdioCounts;
  /** a directory for `node --cpu-prof` of the `pag0 stdio` that serves the calls, or undefined */
  cpuProfDir?: string;
}): Promise<StdioFigures> {
  const { pkg, world, counts } = o;

  // initialize first, while nothing else of ours is running
  const initDir = join(o.dir, "stdio-init");
  const initialize = await interleaved(
    counts.starts,
    {
      pag0: async () => {
        const { client, stderr, initializeMs } = await connectStdio([pkg.cli, "stdio"], o.pag0Env(initDir));
        // untimed: let the ledger open before closing, or close() waits out pag0's shutdown (see the report)
        const budget = (await client.callTool({ name: "get_budget", arguments: {} })) as CallResult;
        expect(!budget.isError, `pag0 get_budget (${stderr()})`, budget);
        await client.close();
        return initializeMs;
      },
      bare: async () => {
        const { client, initializeMs } = await connectStdio([pkg.bareStdio], {});
        await client.close();
        return initializeMs;
      },
    },
    1, // the warm-up creates and migrates the data dir the later starts reuse, as a host's restarts do
  );

  const profile = o.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfDir}`] : [];
  const pag0 = await connectStdio([...profile, pkg.cli, "stdio"], o.pag0Env(join(o.dir, "stdio-calls")));
  const bare = await connectStdio([pkg.bareStdio], {});
  try {
    // hosts list tools first; it also makes the client check results against the output schemas
    await Promise.all([pag0.client.listTools(), bare.client.listTools()]);
    const paidFetch = async (args: Record<string, unknown>) =>
      (await pag0.client.callTool({ name: "paid_fetch", arguments: args })) as CallResult;

    const hitUrl = world.v2.route({ price: PRICE, headers: { "cache-control": "max-age=3600" } });
    const first = await paidFetch({ url: hitUrl });
    expect(!first.isError && first.structuredContent?.payment !== null, "the paid call the hits come from", first);
    const hit = await interleaved(counts.calls, {
      pag0: async () => {
        const r = await paidFetch({ url: hitUrl });
        expect(!r.isError && r.structuredContent?.cached === true, "cache hit", r);
      },
      bare: async () => {
        const r = (await bare.client.callTool({ name: "noop", arguments: {} })) as CallResult;
        expect(!r.isError && (r.content as { text?: string }[])[0]?.text === "ok", "bare no-op", r);
      },
    });

    const freeUrl = world.v2.route({ free: true });
    const free = await interleaved(counts.calls, {
      pag0: async () => {
        const r = await paidFetch({ url: freeUrl });
        const s = r.structuredContent;
        expect(!r.isError && s?.status === 200 && s.payment === null && s.cached === false, "free call", r);
      },
      direct: async () => {
        const res = await fetch(freeUrl);
        const body = await res.text();
        expect(res.status === 200, "direct fetch", { status: res.status, body });
      },
    });

    const account = privateKeyToAccount(o.barePayerKey);
    const signer = toClientEvmSigner({
      address: account.address,
      signTypedData: (m) => account.signTypedData(m as never),
    });
    const bareX402 = new x402Client()
      .register(world.network, new ExactEvmScheme(signer))
      .setSpendControls({ allowedAssets: [{ network: world.network, asset: world.usdc }] });
    const bareFetch = wrapFetchWithPayment(fetch, bareX402);
    const paidUrl = world.v2.route({ price: PRICE });
    const paid = await interleaved(
      counts.paid,
      {
        pag0: async () => {
          const r = await paidFetch({ url: paidUrl, cache: "bypass" });
          const s = r.structuredContent;
          expect(!r.isError && s?.cached === false && Boolean(s.payment?.txHash), "paid call", r);
        },
        bare: async () => {
          const res = await bareFetch(paidUrl);
          await res.text();
          const header = res.headers.get("payment-response");
          const settled = header ? decodePaymentResponseHeader(header) : null;
          expect(res.status === 200 && settled?.success === true, "bare @x402/fetch", { status: res.status, settled });
        },
      },
      1,
    );
    return { hit, free, paid, initialize };
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- pag0 stdio stderr ---\n${pag0.stderr()}`, { cause: e });
  } finally {
    await Promise.all([pag0.client.close(), bare.client.close()]);
  }
}
