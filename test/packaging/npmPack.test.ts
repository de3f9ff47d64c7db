import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";

// What `npm pack` ships, from a copy of the committed tree (its prepack builds dist/ there, not in this checkout).
describe("npm pack", () => {
  test("default: ships the build, the ledger snapshot, the migrations, the audit contract and a LICENSE, and no maps or test contracts", {
    timeout: 180_000,
  }, () => {
    const copy = mkdtempSync(join(tmpdir(), "pag0-pack-"));
    execFileSync("bash", ["-c", `git archive HEAD | tar -x -C ${JSON.stringify(copy)}`]);
    symlinkSync(resolve("node_modules"), join(copy, "node_modules"));
    const out = execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: copy, encoding: "utf8" });
    const files: string[] = JSON.parse(out.slice(out.indexOf("[")))[0].files.map((f: { path: string }) => f.path);

    expect(files).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json", "dist/cli.js"]));
    expect(files).toContain("contracts/build/PaymentAuditLog.json");
    for (const m of readdirSync("supabase/migrations")) expect(files).toContain(`supabase/migrations/${m}`);
    expect(files.filter((f) => /^dist\/ledger-snapshot\/ledger-[0-9a-f]+\.tar\.gz$/.test(f))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("contracts/test") || f.includes("TestUSDC"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("src/") || f.startsWith("test/"))).toEqual([]);
  });
});
