import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { beforeAll, describe, expect, test } from "vitest";

// What `npm pack` ships, from a copy of the committed tree (its prepack builds dist/ there, not in this checkout):
// packed once, then listed and installed.
describe("npm pack", () => {
  let files: string[] = [];
  let tarball = "";
  beforeAll(() => {
    const copy = mkdtempSync(join(tmpdir(), "pag0-pack-"));
    execFileSync("bash", ["-c", `git archive HEAD | tar -x -C ${JSON.stringify(copy)}`]);
    symlinkSync(resolve("node_modules"), join(copy, "node_modules"));
    const out = execFileSync("npm", ["pack", "--json"], { cwd: copy, encoding: "utf8" });
    const [packed] = JSON.parse(out.slice(out.indexOf("[")));
    files = packed.files.map((f: { path: string }) => f.path);
    tarball = join(copy, packed.filename);
  }, 180_000);

  test("default: ships the build, the ledger snapshot, the migrations, the audit contract and a LICENSE, and no maps or test contracts", () => {
    expect(files).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json", "dist/cli.js"]));
    expect(files).toContain("contracts/build/PaymentAuditLog.json");
    // the dashboard's page, copied beside its module by the build (its chart library is a dependency, not shipped here)
    for (const f of ["index.html", "dashboard.js", "chart.js", "render.js", "dashboard.css"]) {
      expect(files).toContain(`dist/dashboard/public/${f}`);
    }
    for (const m of readdirSync("supabase/migrations")) expect(files).toContain(`supabase/migrations/${m}`);
    // the migrations are the applied artefact; their sources (supabase/sql) are for contributors
    expect(files.filter((f) => f.startsWith("supabase/sql/"))).toEqual([]);
    expect(files.filter((f) => /^dist\/ledger-snapshot\/ledger-[0-9a-f]+\.tar\.gz$/.test(f))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("contracts/test") || f.includes("TestUSDC"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("src/") || f.startsWith("test/"))).toEqual([]);
  });

  test("behavior: installed from the tarball into an empty folder, pag0 --version, doctor and stdio work", {
    timeout: 300_000,
  }, async () => {
    const folder = mkdtempSync(join(tmpdir(), "pag0-installed-"));
    execFileSync("npm", ["install", "--prefix", folder, "--no-audit", "--no-fund", "--prefer-offline", tarball], {
      stdio: "ignore",
    });
    const bin = join(folder, "node_modules", ".bin", "pag0");
    const env = { PATH: process.env.PATH ?? "", PAG0_DATA_DIR: mkdtempSync(join(tmpdir(), "pag0-installed-data-")) };

    expect(execFileSync(bin, ["--version"], { env, encoding: "utf8" })).toBe(
      `${JSON.parse(readFileSync("package.json", "utf8")).version}\n`,
    );
    // offline here, so the networks' RPCs FAIL; the package itself (config, ledger, migrations) must be OK
    const doctor = spawnSync(bin, ["doctor"], { env, encoding: "utf8" });
    expect(doctor.stdout).toMatch(/^OK {4}ledger: pglite opened, \d+ migration\(s\) applied$/m);
    expect(doctor.stdout).toMatch(/^OK {4}config: /m);

    const client = new Client({ name: "tarball-test", version: "0" });
    await client.connect(new StdioClientTransport({ command: bin, args: ["stdio"], env, stderr: "ignore" }));
    try {
      const budget = (await client.callTool({ name: "get_budget", arguments: {} })) as { structuredContent?: any };
      expect(budget.structuredContent?.currency).toBe("USDC");
    } finally {
      await client.close();
    }
  });
});
