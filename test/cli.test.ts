import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";

const COMMANDS = [
  "stdio",
  "http",
  "migrate",
  "keys",
  "policy",
  "approvals",
  "spend",
  "dashboard",
  "doctor",
  "audit",
  "demo",
];

/** `pag0 <args>` from source, with only `env`; resolves to its exit code, output and time. */
function pag0(args: string[], env: Record<string, string> = {}) {
  const t0 = performance.now();
  return new Promise<{ code: number; stdout: string; stderr: string; ms: number }>((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/cli.ts", ...args],
      { env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "warn", ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, ms: performance.now() - t0 }),
    );
  });
}

describe("pag0 CLI", () => {
  test("default: --version and -v print the package version", async () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8"));
    for (const flag of ["--version", "-v"]) {
      expect(await pag0([flag])).toMatchObject({ code: 0, stdout: `${version}\n` });
    }
  });

  // 33 processes from source: about 35 s on a quiet machine, so room for a busy one
  test("behavior: --help on every subcommand prints its usage to stdout and exits 0, running nothing", {
    timeout: 180_000,
  }, async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "pag0-help-")), "data");
    const asks = COMMANDS.flatMap((command) => [
      [command, "--help"],
      [command, "-h"],
      ["help", command],
    ]);
    // four processes at a time: each is a whole `pag0` start
    for (let i = 0; i < asks.length; i += 4) {
      const batch = asks.slice(i, i + 4);
      const answers = await Promise.all(batch.map((args) => pag0(args, { PAG0_DATA_DIR: dataDir, PORT: "1" })));
      answers.forEach((r, j) => {
        expect(r.code, batch[j]?.join(" ")).toBe(0);
        expect(r.stdout, batch[j]?.join(" ")).toMatch(/^Usage:/);
      });
    }
    expect(existsSync(dataDir)).toBe(false); // no ledger, no key salt, nothing opened
    expect((await pag0(["--help"])).stdout).toMatch(/^Usage: pag0 <command>/);
    expect(await pag0(["help", "nope"])).toMatchObject({ code: 2 });
  });

  test("behavior: pag0 http on a busy port exits 1 within 2 s with one clear line", async () => {
    const busy = createServer();
    const port = await new Promise<number>((resolve) =>
      busy.listen(0, "127.0.0.1", () => resolve((busy.address() as { port: number }).port)),
    );
    try {
      const dataDir = mkdtempSync(join(tmpdir(), "pag0-busy-"));
      const r = await pag0(["http"], { PAG0_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: "silent" });
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        `pag0: port ${port} on 127.0.0.1 is already in use: stop the other server or set PORT`,
      );
      expect(r.ms).toBeLessThan(2_000);
      expect(existsSync(join(dataDir, "ledger"))).toBe(false); // refused before the ledger opened
    } finally {
      busy.close();
    }
  });
});

describe("pag0 operator commands", () => {
  test("behavior: policy set refuses a daily limit above the monthly one, as the environment does", async () => {
    const env = { PAG0_DATA_DIR: mkdtempSync(join(tmpdir(), "pag0-policy-")) };
    const r = await pag0(["policy", "set", "--principal", "agent-1", "--daily", "5", "--monthly", "2"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/daily limit \(5\.00\) must not exceed the monthly one \(2\.00\)/);
    expect((await pag0(["policy", "show", "--principal", "agent-1"], env)).code).toBe(1); // nothing was set
    expect((await pag0(["policy", "set", "--principal", "agent-1", "--daily", "2", "--monthly", "5"], env)).code).toBe(
      0,
    );
  });

  test("behavior: policy set --allowed-hosts/--blocked-hosts sets a principal's host lists, checks them and clears with an empty value", async () => {
    const env = { PAG0_DATA_DIR: mkdtempSync(join(tmpdir(), "pag0-hosts-")) };
    const set = (...flags: string[]) => pag0(["policy", "set", "--principal", "agent-1", ...flags], env);
    const bad = await set("--allowed-hosts", "https://api.example.com/x");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--allowed-hosts: not a host or \*\.wildcard: https:\/\/api\.example\.com\/x/);
    expect(
      (await set("--allowed-hosts", " API.example.com, *.data.example ,", "--blocked-hosts", "bad.example")).code,
    ).toBe(0);
    const shown = await pag0(["policy", "show", "--principal", "agent-1"], env);
    expect(shown.stdout).toMatch(
      /agent-1 .*allowed hosts api\.example\.com,\*\.data\.example {2}blocked hosts bad\.example/,
    );
    // a limit change keeps the lists; an empty value clears one
    expect((await set("--daily", "0.50")).code).toBe(0);
    expect((await set("--allowed-hosts", "")).code).toBe(0);
    const after = (await pag0(["policy", "show", "--principal", "agent-1"], env)).stdout;
    expect(after).toMatch(/daily 0\.50 .*blocked hosts bad\.example/);
    expect(after).not.toMatch(/allowed hosts/);
  });

  test("behavior: empty lists say they are empty", async () => {
    const env = { PAG0_DATA_DIR: mkdtempSync(join(tmpdir(), "pag0-empty-")) };
    expect(await pag0(["approvals", "list"], env)).toMatchObject({ code: 0, stdout: "" });
    expect((await pag0(["approvals", "list"], env)).stderr).toMatch(/No approvals are waiting/);
    expect((await pag0(["keys", "list"], env)).stderr).toMatch(/No API keys yet/);
  });
});

describe("pag0 on a new data dir", () => {
  test("behavior: the first start says in one line that it creates the embedded ledger; later starts do not", async () => {
    const env = { PAG0_DATA_DIR: mkdtempSync(join(tmpdir(), "pag0-first-")), LOG_LEVEL: "silent" };
    const first = await pag0(["keys", "list"], env);
    expect(first.stderr.match(/^pag0: creating the embedded ledger in .+ \(first start\)$/gm)).toHaveLength(1);
    expect((await pag0(["keys", "list"], env)).stderr).not.toMatch(/creating the embedded ledger/);
  });
});
