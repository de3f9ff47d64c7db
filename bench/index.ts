/**
 * `npm run bench`: Pag0's overhead on the local x402 world, as ratios against baselines measured in the same run.
 *   paid: paid_fetch through the MCP client  vs  a bare @x402/fetch client paying the same route
 *   free: paid_fetch on a free route         vs  a direct undici fetch
 *   hit:  paid_fetch served from the cache     vs  an MCP ping on the same server and transport
 *   and the cache-hit throughput in calls per second, sequential and with 16 calls in flight.
 * BENCH_ITERATIONS sets the samples per case (default 40 paid, 5× that free and hit).
 */
import { x402Client } from "@x402/core/client";
import { toClientEvmSigner } from "@x402/evm";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import { fetch as undiciFetch } from "undici";
import { privateKeyToAccount } from "viem/accounts";
import { openTestLedger } from "../test/support/testLedger.js";
import { startTestPag0 } from "../test/support/testPag0.js";
import { startWorld } from "../test/world/world.js";

const PAID_N = Number(process.env.BENCH_ITERATIONS ?? 40);
const FREE_N = PAID_N * 5;
const HIT_N = PAID_N * 5;
const PRICE = 1_000n;

interface Stats {
  median: number;
  p95: number;
}

const stats = (ms: number[]): Stats => {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)] ?? 0, p95: s[Math.floor(s.length * 0.95)] ?? 0 };
};

/** Time `n` sequential runs of each case, interleaved so drift on a noisy machine hits both alike. */
async function compare(n: number, cases: Record<"pag0" | "baseline", () => Promise<void>>) {
  const times = { pag0: [] as number[], baseline: [] as number[] };
  for (const run of Object.values(cases)) await run(); // warm up both
  for (let i = 0; i < n; i++) {
    for (const [name, run] of Object.entries(cases) as ["pag0" | "baseline", () => Promise<void>][]) {
      const t0 = performance.now();
      await run();
      times[name].push(performance.now() - t0);
    }
  }
  return { pag0: stats(times.pag0), baseline: stats(times.baseline) };
}

async function main() {
  const [world, ledger] = await Promise.all([startWorld(), openTestLedger()]);
  try {
    const pag0Payer = await world.newPayer();
    const barePayer = await world.newPayer();
    const pag0 = await startTestPag0({
      world,
      ledger,
      payerKey: pag0Payer.key,
      limits: { perRequest: 100_000n, daily: 1_000_000_000n, monthly: 1_000_000_000n },
      env: { LOG_LEVEL: "warn" },
    });
    const paidUrl = world.v2.route({ price: PRICE });
    const freeUrl = world.v2.route({ free: true });

    const account = privateKeyToAccount(barePayer.key);
    const bare = new x402Client()
      .register(
        world.network,
        new ExactEvmScheme(
          toClientEvmSigner({ address: account.address, signTypedData: (m) => account.signTypedData(m as never) }),
        ),
      )
      .setSpendControls({ allowedAssets: [{ network: world.network, asset: world.usdc }] });
    const bareFetch = wrapFetchWithPayment(fetch, bare);

    const mustPay = async (run: () => Promise<unknown>) => {
      const failure = await run();
      if (failure) throw new Error(`a benchmark call did not succeed: ${JSON.stringify(failure)}`);
    };
    const viaPag0 =
      (url: string, args: Record<string, unknown> = {}) =>
      async () => {
        const r = await pag0.call("paid_fetch", { url, ...args });
        return r.isError ? r.structuredContent : null;
      };
    // bypass: every paid sample must really pay, not be served from the cache
    const paid = await compare(PAID_N, {
      pag0: () => mustPay(viaPag0(paidUrl, { cache: "bypass" })),
      baseline: () => mustPay(async () => ((await bareFetch(paidUrl)).status === 200 ? null : "bare client not paid")),
    });
    const free = await compare(FREE_N, {
      pag0: () => mustPay(viaPag0(freeUrl)),
      baseline: () => mustPay(async () => ((await undiciFetch(freeUrl)).ok ? null : "direct fetch failed")),
    });
    // the cache-hit path against the cheapest call the same server and transport can answer
    const hitUrl = world.v2.route({ price: PRICE, headers: { "cache-control": "max-age=3600" } });
    await mustPay(viaPag0(hitUrl)); // the one payment the hits below are served from
    const viaCache = async () => {
      const r = await pag0.call("paid_fetch", { url: hitUrl });
      return r.structuredContent?.cached === true ? null : (r.structuredContent ?? "not cached");
    };
    const hit = await compare(HIT_N, {
      pag0: () => mustPay(viaCache),
      baseline: () => mustPay(async () => ((await pag0.client.ping()) ? null : "ping failed")),
    });
    const hitsPerSecond = async (inFlight: number) => {
      let left = HIT_N;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (left-- > 0) await mustPay(viaCache);
        }),
      );
      return HIT_N / ((performance.now() - t0) / 1000);
    };
    const sequential = await hitsPerSecond(1);
    const concurrent = await hitsPerSecond(16);
    await pag0.close();

    const row = (name: string, n: number, r: { pag0: Stats; baseline: Stats }, baseline: string) =>
      `${name.padEnd(6)} n=${String(n).padEnd(4)} pag0 median ${r.pag0.median.toFixed(2)} ms (p95 ${r.pag0.p95.toFixed(2)})  ` +
      `${baseline} median ${r.baseline.median.toFixed(2)} ms (p95 ${r.baseline.p95.toFixed(2)})  ` +
      `ratio ${(r.pag0.median / r.baseline.median).toFixed(2)}x`;
    process.stdout.write(
      [
        "Pag0 bench (local hardhat chain, official facilitator, same run, sequential calls)",
        row("paid", PAID_N, paid, "bare @x402/fetch"),
        row("free", FREE_N, free, "direct undici"),
        row("hit", HIT_N, hit, "MCP ping"),
        `hit    throughput ${sequential.toFixed(0)} calls/s sequential, ${concurrent.toFixed(0)} calls/s with 16 in flight`,
        "",
      ].join("\n"),
    );
  } finally {
    await ledger.close();
    await world.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
