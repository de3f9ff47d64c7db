/**
 * `npm run bench` (transports): Pag0 as hosts and remote agents run it, the compiled CLI in its own process, each
 * figure next to a baseline measured in the same run (medians and p95 of interleaved samples, warm-up first; every
 * sample's answer is checked, so a broken run fails instead of printing good numbers).
 *   stdio (`pag0 stdio`, the MCP SDK Client spawning it with StdioClientTransport):
 *     hit:  paid_fetch served from the cache (max-age=3600, after one payment)  vs  a no-op tool on a bare SDK stdio
 *           server started the same way (`node <file>`)
 *     free: paid_fetch of a free route                                          vs  this process fetching it itself
 *     paid: paid_fetch with cache "bypass" (settles on chain)                   vs  a bare @x402/fetch client
 *     initialize: spawn to the initialize answer (data dir already migrated)    vs  the bare SDK stdio server
 *   http (`pag0 http`, PAG0_HTTP_SESSIONS=false, Postgres ledger on a throwaway database, memory cache):
 *     cache hits/s and free calls/s with 32 requests in flight  vs  a no-op tool on the SDK's stateless example
 *     (express, a new McpServer and StreamableHTTPServerTransport per request), both driven by the same raw
 *     JSON-RPC tools/call POSTs over an undici pool
 *     memory: VmRSS and VmHWM of the `pag0 http` process after BENCH_RSS_CALLS calls (half hits, half free)
 * Settings (env):
 *   BENCH_STDIO_CALLS   sequential samples per case for stdio hit and free (default 100)
 *   BENCH_STDIO_PAID    sequential samples per case for stdio paid (default 20)
 *   BENCH_STDIO_STARTS  spawn-to-initialize samples per server (default 5)
 *   BENCH_HTTP_IN_FLIGHT  concurrent HTTP requests (default 32)
 *   BENCH_HTTP_REQUESTS   requests per throughput round and case (default 600)
 *   BENCH_HTTP_ROUNDS     interleaved throughput rounds, median reported (default 3)
 *   BENCH_RSS_CALLS       calls before the memory reading (default 10000)
 *   BENCH_HTTP_CACHE      "memory" (default) or "redis" (REDIS_URL=redis://127.0.0.1:6379 for pag0 http)
 *   BENCH_TRANSPORTS      "http" runs the HTTP part alone (default: both)
 *   BENCH_PAG0_NODE_ARGS  node flags of the `pag0 http` process (default: the Dockerfile's NODE_OPTIONS; "" for none)
 *   BENCH_CPU_PROF        a directory: run `pag0 stdio` and `pag0 http` under `node --cpu-prof` there (skews them);
 *                         summarize with `tsx bench/cpuProfileTop.ts <dir>/*.cpuprofile`
 * The world (hardhat chain, facilitator, paid servers) and the load generator share this process and the
 * machine's cores with the servers measured: read the ratios, not the absolute figures.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorld } from "../test/world/world.js";
import { buildPackage } from "./transports/buildPackage.js";
import { httpBench } from "./transports/httpBench.js";
import { ratio, type Stats } from "./transports/stats.js";
import { stdioBench } from "./transports/stdioBench.js";

const int = (name: string, fallback: number) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
};
const stdioCounts = {
  calls: int("BENCH_STDIO_CALLS", 100),
  paid: int("BENCH_STDIO_PAID", 20),
  starts: int("BENCH_STDIO_STARTS", 5),
};
const httpCounts = {
  inFlight: int("BENCH_HTTP_IN_FLIGHT", 32),
  requests: int("BENCH_HTTP_REQUESTS", 600),
  rounds: int("BENCH_HTTP_ROUNDS", 3),
  rssCalls: int("BENCH_RSS_CALLS", 10_000),
  cache: process.env.BENCH_HTTP_CACHE === "redis" ? ("redis" as const) : ("memory" as const),
  cpuProfDir: process.env.BENCH_CPU_PROF || undefined,
};

const f = (x: number) => x.toFixed(2).padStart(7);
const row = (name: string, pag0: Stats, baseline: string, base: Stats) =>
  `  ${name.padEnd(11)} pag0 median ${f(pag0.median)} ms (p95 ${f(pag0.p95)})   ${baseline.padEnd(17)} median ` +
  `${f(base.median)} ms (p95 ${f(base.p95)})   ratio ${ratio(pag0.median, base.median)}`;

async function main() {
  const root = mkdtempSync(join(tmpdir(), "pag0-bench-transports-"));
  const world = await startWorld();
  try {
    const stdioPayer = await world.newPayer();
    const httpPayer = await world.newPayer();
    const barePayer = await world.newPayer();
    const pkg = await buildPackage(join(root, "pkg"));
    writeFileSync(join(root, "pag0.json"), JSON.stringify({ networks: [world.networkConfig] }));
    const pag0Env = (walletKey: string) => (dataDir: string) => ({
      PAG0_CONFIG: join(root, "pag0.json"),
      PAG0_DATA_DIR: dataDir,
      PAG0_ALLOW_PRIVATE_HOSTS: "true", // the world's APIs live on 127.0.0.1
      WALLET_PRIVATE_KEY: walletKey,
      PAG0_DAILY_BUDGET: "1000.00",
      PAG0_MONTHLY_BUDGET: "1000.00",
      LOG_LEVEL: "warn",
    });

    const skipStdio = process.env.BENCH_TRANSPORTS === "http";
    const s = skipStdio
      ? null
      : await stdioBench({
          pkg,
          world,
          pag0Env: pag0Env(stdioPayer.key),
          barePayerKey: barePayer.key,
          dir: root,
          counts: stdioCounts,
          cpuProfDir: httpCounts.cpuProfDir,
        });
    const h = await httpBench({ pkg, world, pag0Env: pag0Env(httpPayer.key), dir: root, counts: httpCounts });

    const perSecond = (name: string, r: { median: number; min: number; max: number }) =>
      `  ${name.padEnd(11)} ${r.median.toFixed(0).padStart(6)} calls/s (rounds ${r.min.toFixed(0)}–${r.max.toFixed(0)})` +
      `   ratio to the no-op ${ratio(r.median, h.bare.median)}`;
    const mem = (m: { rssMiB: number; hwmMiB: number }) =>
      `VmRSS ${m.rssMiB.toFixed(1)} MiB, VmHWM ${m.hwmMiB.toFixed(1)} MiB`;
    const lines = [
      `Transports bench (compiled CLI, separate processes, same run; node ${process.version})`,
      ...(s
        ? [
            `pag0 stdio, SDK Client over StdioClientTransport (sequential; ${stdioCounts.calls} samples, paid ${stdioCounts.paid}, starts ${stdioCounts.starts})`,
            row("hit", s.hit.pag0, "bare no-op tool", s.hit.bare),
            row("free", s.free.pag0, "direct fetch", s.free.direct),
            row("paid", s.paid.pag0, "bare @x402/fetch", s.paid.bare),
            row("initialize", s.initialize.pag0, "bare SDK server", s.initialize.bare),
          ]
        : []),
      `pag0 http, stateless, Postgres ledger, ${httpCounts.cache} cache (${httpCounts.inFlight} in flight; median of ${httpCounts.rounds} rounds of ${httpCounts.requests})`,
      perSecond("hit", h.hit),
      perSecond("free", h.free),
      `  ${"no-op".padEnd(11)} ${h.bare.median.toFixed(0).padStart(6)} calls/s (rounds ${h.bare.min.toFixed(0)}–${h.bare.max.toFixed(0)})   the SDK's stateless example`,
      `  memory      pag0 http (node flags: ${h.memory.nodeArgs || "none"}) after warm-up: ${mem(h.memory.before)}`,
      `              after ${h.memory.calls} more calls: ${mem(h.memory.after)}`,
      `              the stateless example after its calls: ${mem(h.memory.bareAfter)}`,
      "",
    ];
    process.stdout.write(lines.join("\n"));
  } finally {
    await world.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`transports bench failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
