import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createThrowawayDb } from "../../test/support/throwawayDb.js";
import type { World } from "../../test/world/world.js";
import type { BenchPackage } from "./buildPackage.js";
import { rawMcpClient, type ToolAnswer } from "./rawMcpClient.js";
import { runCli, type ServerProcess, startServerProcess } from "./serverProcess.js";
import { rate, stats } from "./stats.js";

export interface HttpCounts {
  /** requests in flight */
  inFlight: number;
  /** requests per throughput round and case */
  requests: number;
  /** interleaved rounds; the figure is the median round */
  rounds: number;
  /** calls (half cache hits, half free) before reading the server's memory */
  rssCalls: number;
  /** "memory" (default) or "redis" (127.0.0.1:6379) for pag0's response cache */
  cache: "memory" | "redis";
  /** a directory for `node --cpu-prof` of `pag0 http`, or undefined */
  cpuProfDir: string | undefined;
}

export interface Rates {
  median: number;
  min: number;
  max: number;
}

export interface HttpFigures {
  hit: Rates;
  free: Rates;
  bare: Rates;
  memory: {
    before: { rssMiB: number; hwmMiB: number };
    after: { rssMiB: number; hwmMiB: number };
    bareAfter: { rssMiB: number; hwmMiB: number };
    calls: number;
    /** the node flags `pag0 http` ran with */
    nodeArgs: string;
  };
}

const PRICE = 1_000n;

/** NODE_OPTIONS as the Dockerfile sets it for `pag0 http` in production ("" if it sets none). */
export function deployedNodeOptions(): string {
  return /NODE_OPTIONS=(\S+)/.exec(readFileSync("Dockerfile", "utf8"))?.[1] ?? "";
}
const SALT = `bench-salt-${randomBytes(8).toString("hex")}`;

function check(answer: ToolAnswer, ok: (r: Extract<ToolAnswer, { ok: true }>["result"]) => boolean, what: string) {
  if (!answer.ok || answer.result.isError || !ok(answer.result)) {
    throw new Error(`${what}: unexpected answer ${JSON.stringify(answer).slice(0, 600)}`);
  }
}

/**
 * Stateless `pag0 http` (PAG0_HTTP_SESSIONS=false) on a throwaway Postgres database, and the SDK's stateless
 * example server, each its own process, driven by the same raw JSON-RPC client with `inFlight` requests at once.
 */
export async function httpBench(o: {
  pkg: BenchPackage;
  world: World;
  pag0Env: (dataDir: string) => Record<string, string>;
  dir: string;
  counts: HttpCounts;
}): Promise<HttpFigures> {
  const { pkg, world, counts } = o;
  const db = await createThrowawayDb();
  const servers: ServerProcess[] = [];
  const clients: ReturnType<typeof rawMcpClient>[] = [];
  try {
    const env = {
      ...o.pag0Env(join(o.dir, "http")),
      DATABASE_URL: db.url,
      API_KEY_SALT: SALT,
      PAG0_HTTP_SESSIONS: "false",
      HOST: "127.0.0.1",
      PORT: "0",
      PAG0_RATE_LIMIT_PER_MINUTE: String(1e9), // the bench is one key; the limiter still runs on every request
      ...(counts.cache === "redis"
        ? { REDIS_URL: "redis://127.0.0.1:6379", PAG0_CACHE_PREFIX: `pag0-bench-${randomBytes(4).toString("hex")}:` }
        : {}),
    };
    await runCli(pkg.cli, ["migrate"], env);
    const key = (
      await runCli(pkg.cli, ["keys", "create", "--principal", "bench", "--scopes", "fetch,read"], env)
    ).trim();
    const profile = counts.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${counts.cpuProfDir}`] : [];
    // as deployed: the Dockerfile's NODE_OPTIONS (a heap cap), unless BENCH_PAG0_NODE_ARGS says otherwise
    const nodeArgs = (process.env.BENCH_PAG0_NODE_ARGS ?? deployedNodeOptions()).split(" ").filter(Boolean);
    const pag0 = await startServerProcess([...nodeArgs, ...profile, pkg.cli, "http"], env);
    servers.push(pag0);
    const bare = await startServerProcess([pkg.bareHttp], {});
    servers.push(bare);
    const viaPag0 = rawMcpClient(pag0.url, { connections: counts.inFlight, bearer: key });
    const viaBare = rawMcpClient(bare.url, { connections: counts.inFlight });
    clients.push(viaPag0, viaBare);

    const hitUrl = world.v2.route({ price: PRICE, headers: { "cache-control": "max-age=3600" } });
    const freeUrl = world.v2.route({ free: true });
    check(await viaPag0.call("paid_fetch", { url: hitUrl }), (r) => r.structuredContent?.payment != null, "first paid");
    const hit = async () =>
      check(await viaPag0.call("paid_fetch", { url: hitUrl }), (r) => r.structuredContent?.cached === true, "hit");
    const free = async () =>
      check(
        await viaPag0.call("paid_fetch", { url: freeUrl }),
        (r) => r.structuredContent?.status === 200 && r.structuredContent.payment === null,
        "free call",
      );
    const noop = async () =>
      check(await viaBare.call("noop", {}), (r) => (r.content as { text?: string }[])?.[0]?.text === "ok", "no-op");

    // warm up all three paths (and the JIT) before anything is measured
    const warm = Math.min(500, counts.requests);
    await rate(warm, counts.inFlight, (i) => (i % 2 ? hit() : free()));
    await rate(warm, counts.inFlight, noop);

    const before = pag0.memory();
    await rate(counts.rssCalls, counts.inFlight, (i) => (i % 2 ? hit() : free()));
    const after = pag0.memory();

    const samples = { hit: [] as number[], free: [] as number[], bare: [] as number[] };
    const cases = [
      ["hit", hit],
      ["bare", noop],
      ["free", free],
    ] as const;
    for (let r = 0; r < counts.rounds; r++) {
      // rotate the order each round so no case always follows the same one
      for (let c = 0; c < cases.length; c++) {
        const [name, call] = cases[(c + r) % cases.length]!;
        samples[name].push(await rate(counts.requests, counts.inFlight, call));
      }
    }
    const rates = (xs: number[]): Rates => ({ median: stats(xs).median, min: Math.min(...xs), max: Math.max(...xs) });
    return {
      hit: rates(samples.hit),
      free: rates(samples.free),
      bare: rates(samples.bare),
      memory: { before, after, bareAfter: bare.memory(), calls: counts.rssCalls, nodeArgs: nodeArgs.join(" ") },
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(servers.map((s) => s.stop()));
    await db.drop();
  }
}
