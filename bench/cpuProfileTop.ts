/**
 * `tsx bench/cpuProfileTop.ts <file.cpuprofile> [top]`: where a `node --cpu-prof` profile spent its time, as three
 * tables: self time by package (or Pag0 file), self time by function, and total time (self + callees) of Pag0's
 * own functions. Made for `BENCH_CPU_PROF=<dir> npm run bench`, which profiles `pag0 http`.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: tsx bench/cpuProfileTop.ts <file.cpuprofile> [top]\n");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;

// self time per node from the sample intervals (more exact than hitCount × mean interval)
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

const where = (url: string) => {
  if (!url) return "(native/vm)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const own = /\/(?:dist|src)\/(.+)$/.exec(url)?.[1];
  if (own) return `pag0 ${own}`;
  if (url.startsWith("node:")) return url;
  return url.replace(/^file:\/\//, "");
};
const fnKey = (n: ProfileNode) =>
  `${n.callFrame.functionName || "(anonymous)"}  ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

const selfBy = (key: (n: ProfileNode) => string) => {
  const out = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const k = key(byId.get(id)!);
    out.set(k, (out.get(k) ?? 0) + us);
  }
  return out;
};

// total time of each Pag0 function: every sample counts once per function on its stack (recursion counted once)
const totalBy = new Map<string, number>();
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const n = byId.get(at)!;
    if (!/\/(dist|src)\//.test(n.callFrame.url) || /node_modules/.test(n.callFrame.url)) continue;
    const k = fnKey(n);
    if (seen.has(k)) continue;
    seen.add(k);
    totalBy.set(k, (totalBy.get(k) ?? 0) + us);
  }
}

const table = (title: string, m: Map<string, number>, n: number) => {
  const rows = [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  return [
    title,
    ...rows.map(
      ([k, us]) =>
        `  ${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`,
    ),
  ];
};
const idle = selfBy((n) => n.callFrame.functionName).get("(idle)") ?? 0;
process.stdout.write(
  [
    `${file}: ${(totalUs / 1000).toFixed(0)} ms sampled, ${((100 * idle) / totalUs).toFixed(1)}% idle`,
    ...table(
      "self time by package / file",
      selfBy((n) => where(n.callFrame.url)),
      top,
    ),
    ...table("self time by function", selfBy(fnKey), top),
    ...table("total time (self + callees) of Pag0's functions", totalBy, top),
    "",
  ].join("\n"),
);
