import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";

/**
 * fly.toml through a real TOML 1.0 parser: Python's standard tomllib (this machine kind ships python3 ≥ 3.11),
 * rather than a hand-written reader that might accept what Fly rejects, or a dependency added for one test.
 */
function readToml(path: string): any {
  const script = "import json, sys, tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], 'rb'))))";
  return JSON.parse(execFileSync("python3", ["-c", script, path], { encoding: "utf8" }));
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function dockerInstructions(text: string): string[] {
  return text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

describe("fly.toml", () => {
  const fly = readToml("fly.toml");

  test("default: app pag0 runs `pag0 http` from the Dockerfile on all interfaces at 8402", () => {
    expect(fly.app).toBe("pag0");
    expect(fly.build.dockerfile).toBe("Dockerfile");
    expect(fly.env.HOST).toBe("0.0.0.0");
    expect(fly.http_service.internal_port).toBe(8402);
    expect(fly.env.PORT).toBe(String(fly.http_service.internal_port));
    expect(fly.env).not.toHaveProperty("WALLET_PRIVATE_KEY"); // secrets go in `fly secrets`, never here
  });

  test("behavior: the HTTP service's health check asks GET /health", () => {
    const checks = fly.http_service.checks as { path: string; method: string; timeout: string }[];
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ path: "/health", method: "GET" });
    expect(fly.http_service.checks[0].headers.Host).toBe(fly.env.PAG0_PUBLIC_HOSTNAMES.split(",")[0]);
  });

  test("behavior: the ledger's data dir is the mounted volume, and the machine never auto-stops", () => {
    expect(fly.mounts.map((m: { destination: string }) => m.destination)).toEqual([fly.env.PAG0_DATA_DIR]);
    expect(fly.http_service.auto_stop_machines).toBe("off");
    expect(fly.http_service.min_machines_running).toBeGreaterThanOrEqual(1);
  });
});

describe("Dockerfile", () => {
  const lines = dockerInstructions(readFileSync("Dockerfile", "utf8"));
  const runtime = lines.slice(lines.lastIndexOf(lines.findLast((l) => l.startsWith("FROM "))!));

  test("behavior: the runtime caps V8's old space well inside fly.toml's machine memory", () => {
    const cap = /NODE_OPTIONS=--max-old-space-size=(\d+)/.exec(runtime.join("\n"))?.[1];
    expect(cap).toBeDefined();
    const machineMb = Number.parseInt(readToml("fly.toml").vm[0].memory, 10);
    expect(Number(cap)).toBeLessThanOrEqual(machineMb * 0.7);
  });

  test("default: builds on node:20-slim with npm ci, npm run build and npm prune --omit=dev", () => {
    expect(lines.filter((l) => l.startsWith("FROM ")).map((l) => l.split(" ")[1])).toEqual([
      "node:20-slim",
      "node:20-slim",
    ]);
    const runs = lines.filter((l) => l.startsWith("RUN "));
    const order = ["npm ci", "npm run build", "npm prune --omit=dev"].map((cmd) =>
      runs.findIndex((r) => r.startsWith(`RUN ${cmd}`)),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const pkg = JSON.parse(readFileSync("package.json", "utf8"));
    expect(pkg.scripts.build).toBeDefined();
  });

  test("behavior: starts `node dist/cli.js http` as a non-root user, with a HEALTHCHECK on /health", () => {
    expect(runtime.at(-1)).toBe('CMD ["node", "dist/cli.js", "http"]');
    const user = runtime.findLast((l) => l.startsWith("USER "));
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
    expect(runtime.indexOf(user!)).toBeLessThan(runtime.length - 1);
    expect(runtime.find((l) => l.startsWith("HEALTHCHECK "))).toMatch(/127\.0\.0\.1:\$\{process\.env\.PORT\}\/health/);
    expect(runtime).toContain("EXPOSE 8402");
    const pkg = JSON.parse(readFileSync("package.json", "utf8"));
    expect(pkg.bin.pag0).toBe("dist/cli.js");
    expect(existsSync("src/commands/http.ts")).toBe(true);
  });

  test("behavior: every COPY source exists and is not excluded by .dockerignore", () => {
    const ignored = readFileSync(".dockerignore", "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    const sources = lines
      .filter((l) => l.startsWith("COPY ") && !l.includes("--from="))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(sources).toEqual(expect.arrayContaining(["package-lock.json", "src", "supabase/migrations", "contracts"]));
    for (const source of sources) {
      expect(existsSync(source), source).toBe(true);
      expect(
        ignored.some((i) => source === i || source.startsWith(`${i}/`)),
        source,
      ).toBe(false);
    }
  });
});
