/**
 * `pag0 stdio` as a host starts it, one process per sample: time from spawn to the answer of the first tool call
 * (initialize, notifications/initialized, tools/call get_budget) and the process's memory afterwards, on a new data
 * dir and on a warm one (the same dir, reopened by a new process), plus RSS after 200 more calls.
 * Memory is read from /proc/<pid>/status of the server process: VmRSS (now) and VmHWM (peak).
 *   npx tsx bench/ledgerStartup.ts [path/to/cli.js]   (default: src/cli.ts through tsx; BENCH_STARTS samples, 3)
 * bench/ledger.ts runs it on the compiled package.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

export interface StartSample {
  /** ms from spawn to the `get_budget` answer */
  firstCall: number;
  /** MB resident right after that answer, and the peak so far */
  rss: number;
  hwm: number;
  /** MB resident after `more` further calls */
  rssAfterMore: number;
}

/** VmRSS and VmHWM of `pid`, in MB (Linux only) */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}

/** One `pag0 stdio` process on `dataDir`: spawn, first tool call, memory, `more` calls, memory, close. */
export async function startOnce(args: string[], dataDir: string, more = 0): Promise<StartSample> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    env: { PATH: process.env.PATH ?? "", PAG0_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    stderr: "ignore",
  });
  const client = new Client({ name: "bench", version: "0" });
  const t0 = performance.now();
  await client.connect(transport);
  const answer = await client.callTool({ name: "get_budget", arguments: {} });
  const firstCall = performance.now() - t0;
  if (answer.isError) throw new Error(`get_budget failed: ${JSON.stringify(answer.content)}`);
  const pid = transport.pid;
  if (pid === null) throw new Error("no server pid");
  const first = memoryOf(pid);
  for (let i = 0; i < more; i++) await client.callTool({ name: "get_budget", arguments: {} });
  const after = memoryOf(pid);
  await client.close();
  return { firstCall, rss: first.rss, hwm: first.hwm, rssAfterMore: after.rss };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** `samples` new data dirs, each then reopened warm; medians per field */
export async function measureStartup(args: string[], samples: number, root: string) {
  const fresh: StartSample[] = [];
  const warm: StartSample[] = [];
  for (let i = 0; i < samples; i++) {
    const dataDir = join(root, `data-${i}`);
    fresh.push(await startOnce(args, dataDir, 200));
    warm.push(await startOnce(args, dataDir, 200));
  }
  const summary = (xs: StartSample[]) => ({
    firstCall: median(xs.map((x) => x.firstCall)),
    rss: median(xs.map((x) => x.rss)),
    hwm: median(xs.map((x) => x.hwm)),
    rssAfterMore: median(xs.map((x) => x.rssAfterMore)),
    all: xs.map((x) => Math.round(x.firstCall)),
  });
  return { fresh: summary(fresh), warm: summary(warm) };
}

export function startupLines(s: Awaited<ReturnType<typeof measureStartup>>, samples: number): string[] {
  const row = (name: string, x: (typeof s)["fresh"], target: string) =>
    `  ${name.padEnd(14)} first tool call ${x.firstCall.toFixed(0).padStart(5)} ms (${x.all.join(", ")})   RSS ${x.rss.toFixed(0).padStart(4)} MB, peak ${x.hwm.toFixed(0).padStart(4)} MB, after 200 calls ${x.rssAfterMore.toFixed(0).padStart(4)} MB   target ${target}`;
  return [
    `pag0 stdio: spawn to first tool call answer (get_budget), separate processes (median of ${samples})`,
    row("new data dir", s.fresh, "2500 ms, 300 MB"),
    row("warm data dir", s.warm, "1000 ms, 250 MB"),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const cli = process.argv[2];
  const args = cli ? [cli, "stdio"] : ["--import", "tsx", "src/cli.ts", "stdio"];
  const samples = Number(process.env.BENCH_STARTS ?? 3);
  const root = mkdtempSync(join(tmpdir(), "pag0-bench-startup-"));
  measureStartup(args, samples, root)
    .then((s) => process.stdout.write(`${startupLines(s, samples).join("\n")}\n`))
    .catch((e) => {
      process.stderr.write(`startup bench failed: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 1;
    })
    .finally(() => rmSync(root, { recursive: true, force: true }));
}
