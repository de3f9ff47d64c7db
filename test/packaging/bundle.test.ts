import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { beforeAll, describe, expect, test } from "vitest";

// What the script's npm ci installs is checked by a dry run (under a second); then the real `npm run bundle` is built
// (about 40 s on an idle 2-core machine: npm ci, tsc, the ledger snapshot, mcpb pack), and what it holds is checked
// and run.
const BUILD_TIMEOUT = 300_000;
const SCRIPT = readFileSync("scripts/bundle.sh", "utf8");

/** Python's standard zipfile on `zip` (this machine kind ships python3, and no unzip tool or zip library). */
const zipfile = (code: string, ...args: string[]) =>
  execFileSync("python3", ["-c", `import json, sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); ${code}`, ...args], {
    encoding: "utf8",
  });

const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as {
  packages: Record<string, { version?: string; dev?: boolean; devOptional?: boolean }>;
};

/** `name@version` of every package `npm ci <flags>` would install from this lockfile (its dry run, in a scratch dir). */
function wouldInstall(flags: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "pag0-mcpb-deps-"));
  for (const f of ["package.json", "package-lock.json"]) copyFileSync(f, join(dir, f));
  const out = execFileSync("npm", ["ci", ...flags, "--dry-run"], { cwd: dir, encoding: "utf8" });
  return [...out.matchAll(/^add (\S+) (\S+)$/gm)].map((m) => `${m[1]}@${m[2]}`);
}

/** `name@version` of the lockfile's packages that only development needs (none of its production entries is it). */
const lockEntries = Object.entries(lock.packages)
  .filter(([path]) => path.includes("node_modules/"))
  .map(([path, p]) => ({
    id: `${path.slice(path.lastIndexOf("node_modules/") + 13)}@${p.version}`,
    dev: p.dev || p.devOptional,
  }));
const production = new Set(lockEntries.filter((e) => !e.dev).map((e) => e.id));
const devOnly = new Set(lockEntries.filter((e) => e.dev && !production.has(e.id)).map((e) => e.id));

describe("scripts/bundle.sh's dependencies", () => {
  const flags = /^npm ci (.+)$/m.exec(SCRIPT)?.[1]?.split(/\s+/) ?? [];

  test("default: its npm ci installs production dependencies only: no typescript, nothing dev-only", () => {
    expect(flags).toEqual(expect.arrayContaining(["--omit=dev", "--omit=optional"]));
    const names = wouldInstall(flags);
    expect(names.length).toBeGreaterThan(100);
    const bare = names.map((n) => n.slice(0, n.lastIndexOf("@")));
    expect(bare).toEqual(expect.arrayContaining(["@modelcontextprotocol/sdk", "viem", "pino", "@axiomhq/pino"]));
    expect(bare).not.toContain("typescript");
    expect(devOnly.size).toBeGreaterThan(100); // vitest, hardhat, solc, tsx, biome and what they pull in
    expect(names.filter((n) => devOnly.has(n))).toEqual([]);
  });

  test("behavior: --omit=dev alone would carry typescript, an optional peer of viem, abitype and ox", () => {
    const names = wouldInstall(["--omit=dev", "--ignore-scripts"]);
    expect(names.filter((n) => n.startsWith("typescript@"))).toHaveLength(1);
  });

  test("behavior: it stages the icon the manifest names, and .mcpbignore drops declarations and maps", () => {
    expect(JSON.parse(readFileSync("manifest.json", "utf8")).icon).toBe("icon.png");
    expect(SCRIPT).toMatch(/^cp .*\bicon\.png\b.* "\$stage"\/$/m);
    const ignored = readFileSync(".mcpbignore", "utf8").split("\n");
    expect(ignored).toEqual(expect.arrayContaining(["*.d.ts", "*.map"]));
  });
});

describe("npm run bundle (MCP Bundle), built", () => {
  let bundle = "";
  let names: string[] = [];
  beforeAll(() => {
    bundle = join(mkdtempSync(join(tmpdir(), "pag0-mcpb-")), "pag0.mcpb");
    execFileSync("bash", ["scripts/bundle.sh", bundle], { stdio: "ignore", timeout: BUILD_TIMEOUT });
    names = JSON.parse(zipfile("print(json.dumps(z.namelist()))", bundle));
  }, BUILD_TIMEOUT);

  test("default: carries the built server, its migrations, the audit contract, the snapshot and the icon", () => {
    expect(names).toEqual(
      expect.arrayContaining(["manifest.json", "icon.png", "package.json", "LICENSE", "dist/cli.js"]),
    );
    expect(names).toContain("contracts/build/PaymentAuditLog.json");
    for (const m of readdirSync("supabase/migrations")) expect(names).toContain(`supabase/migrations/${m}`);
    expect(names.filter((n) => /^dist\/ledger-snapshot\/ledger-[0-9a-f]+\.tar\.gz$/.test(n))).toHaveLength(1);
    expect(JSON.parse(zipfile("print(z.read('manifest.json').decode())", bundle)).icon).toBe("icon.png");
  });

  test("behavior: production dependencies only: no typescript, no dev-only package, no sources, maps or test contracts", () => {
    expect(names.filter((n) => n.startsWith("node_modules/typescript/"))).toEqual([]);
    // every package in the bundle is one npm installs for production (not flagged dev or devOptional in the lock)
    const packages = names
      .filter((n) => /(^|\/)node_modules\/(@[^/]+\/)?[^/@][^/]*\/package\.json$/.test(n))
      .map((n) => n.slice(0, -"/package.json".length))
      .filter((p) => lock.packages[p] !== undefined);
    expect(packages.length).toBeGreaterThan(100);
    expect(packages.filter((p) => lock.packages[p]?.dev || lock.packages[p]?.devOptional)).toEqual([]);
    for (const dev of ["vitest", "hardhat", "solc", "tsx", "@biomejs/biome", "@x402/express"]) {
      expect(packages, dev).not.toContain(`node_modules/${dev}`);
    }
    expect(names.filter((n) => n.endsWith(".map") || /\.d\.[cm]?ts$/.test(n))).toEqual([]);
    expect(names.filter((n) => /^(src|test|scripts|bench)\//.test(n))).toEqual([]);
    expect(names.filter((n) => n.startsWith("contracts/test") || n.includes("TestUSDC"))).toEqual([]);
  });

  test("behavior: unpacked where no other node_modules is in reach, it serves the tools over stdio", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pag0-mcpb-unpacked-"));
    zipfile("z.extractall(sys.argv[2])", bundle, dir);
    const env = { PATH: process.env.PATH ?? "", PAG0_DATA_DIR: `${dir}-data`, PAG0_DAILY_BUDGET: "2.5" };
    const client = new Client({ name: "bundle-test", version: "0" });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [join(dir, "dist/cli.js"), "stdio"],
        env,
        stderr: "ignore",
      }),
    );
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["paid_fetch", "get_budget", "list_spend"]);
      const budget = (await client.callTool({ name: "get_budget", arguments: {} })) as { structuredContent?: any };
      expect(budget.structuredContent?.limits.daily).toBe("2.50");
    } finally {
      await client.close();
    }
  }, 120_000);
});
