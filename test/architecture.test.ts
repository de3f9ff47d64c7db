import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, test } from "vitest";

/**
 * The composition root is the only place that builds adapters: src/app.ts and src/app/. Everything else receives
 * what it needs. These rules read the sources, so a new shortcut fails here rather than in a review.
 */
const SRC = join(import.meta.dirname, "..", "src");
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
const sources = files(SRC).map((path) => ({
  path: relative(SRC, path),
  // comments may name anything; only code counts
  code: readFileSync(path, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, ""),
}));
/** a static, side-effect or dynamic import of src/app.ts, src/app/ or the old src/deps.ts, from one level down */
const IMPORTS_ROOT = /(from\s+|import\s*\(?\s*)"(\.\.\/)+(app|deps)(\.js|\/[^"]*)"/;
const isRoot = (path: string) => path === "app.ts" || path.startsWith("app/");

/** What only the root may construct, and the adapter files that build their own parts from inside. */
const CONSTRUCTORS: { what: string; pattern: RegExp; alsoIn?: string[] }[] = [
  { what: "a viem client", pattern: /\bcreate(Public|Wallet|Test)Client\s*\(/ },
  // the x402 adapter itself builds the official client it wraps; the root builds the adapter (createX402Payer)
  { what: "an x402 client", pattern: /\bnew\s+x402(HTTP)?Client\s*\(/, alsoIn: ["payment/x402Payer.ts"] },
  { what: "the x402 adapter", pattern: /\bcreateX402Payer\s*\(/ },
  { what: "a cache adapter", pattern: /\b(memoryCache|redisCache|upstashCache)\s*\(/ },
  {
    what: "a ledger adapter",
    pattern: /\b(sqlLedger|embeddedClient|openPglite|openPostgres|openSupabase)\s*\(/,
    // the embedded ledger is PGlite in the owning process and postgres.js in the others
    alsoIn: ["ledger/embeddedClient.ts"],
  },
  { what: "the upstream HTTP client", pattern: /\bcreateUpstreamFetch\s*\(/ },
];

const definedHere = (code: string, pattern: RegExp) =>
  new RegExp(`export (async )?function ${pattern.source.replace(/\\b|\\s\*\\\(/g, "")}`).test(code);

describe("architecture", () => {
  test("default: no file under src/server/ or src/pipeline/ imports the composition root", () => {
    const offenders = sources
      .filter((s) => s.path.startsWith("server/") || s.path.startsWith("pipeline/"))
      .filter((s) => IMPORTS_ROOT.test(s.code))
      .map((s) => s.path);
    expect(offenders).toEqual([]);
  });

  test.each(CONSTRUCTORS)("behavior: only the composition root constructs $what", ({ pattern, alsoIn = [] }) => {
    const offenders = sources
      .filter((s) => !isRoot(s.path) && !alsoIn.includes(s.path))
      .filter((s) => {
        const calls = s.code.match(new RegExp(pattern.source, "g")) ?? [];
        // a factory's own definition is not a construction
        return calls.length > (definedHere(s.code, pattern) ? 1 : 0);
      })
      .map((s) => s.path);
    expect(offenders).toEqual([]);
  });

  test("behavior: the rules see a construction outside the root", () => {
    const code = 'import { createPublicClient } from "viem";\nconst c = createPublicClient({});';
    expect(CONSTRUCTORS[0]!.pattern.test(code)).toBe(true);
    for (const line of [
      'import { createApp } from "../app.js";',
      'import "../app.js";',
      'await import("../app/pipeline.js")',
    ]) {
      expect(IMPORTS_ROOT.test(line), line).toBe(true);
    }
    expect(IMPORTS_ROOT.test('import { x } from "./apply.js";')).toBe(false);
  });
});
