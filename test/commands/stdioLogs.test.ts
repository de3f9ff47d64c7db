import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { startAxiomReceiver } from "../support/axiomReceiver.js";

const WALLET_KEY = `0x${"7d".repeat(32)}`;
const TOKEN = "xaat-11111111-stdio-test-token";
const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "log-test", version: "0" } },
};

/**
 * `pag0 stdio` from source as a host runs it (optionally under a pseudo-terminal, through python3's pty module):
 * initialize, wait for the app to start, close stdin. Resolves to everything it wrote and how long it took to exit
 * after stdin closed.
 */
function stdioSession(env: Record<string, string>, options: { tty?: boolean } = {}) {
  const argv = [process.execPath, "--import", "tsx", "src/cli.ts", "stdio"];
  const [command, ...args] = options.tty
    ? ["python3", "-c", "import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)", ...argv]
    : argv;
  const child = spawn(command as string, args, {
    env: {
      PATH: process.env.PATH ?? "",
      PAG0_DATA_DIR: join(mkdtempSync(join(tmpdir(), "pag0-logs-")), "data"),
      WALLET_PRIVATE_KEY: WALLET_KEY,
      ...env,
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => {
    stdout += c;
  });
  child.stderr.on("data", (c) => {
    stderr += c;
  });
  return new Promise<{ stdout: string; stderr: string; code: number | null; exitMs: number }>((resolve, reject) => {
    let closedAt = 0;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`pag0 stdio did not finish:\n${stderr}`));
    }, 90_000);
    const started = setInterval(() => {
      // the embedded ledger is ready: the app started, and logged on the way
      if (closedAt === 0 && /ledger|listening|ready/i.test(stdout + stderr) && stdout.includes('"id":1')) {
        closedAt = performance.now();
        if (options.tty) child.stdin.write("\x04");
        child.stdin.end();
      }
    }, 50);
    child.on("exit", (code) => {
      clearTimeout(timer);
      clearInterval(started);
      resolve({ stdout, stderr, code, exitMs: performance.now() - closedAt });
    });
    const send = (m: unknown) => child.stdin.write(`${JSON.stringify(m)}\n`);
    send(INITIALIZE);
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
  });
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe("pag0 stdio logs", () => {
  test("default: JSON lines on stderr when it is not a terminal; stdout carries JSON-RPC only", async () => {
    const r = await stdioSession({});
    expect(r.code).toBe(0);
    // "pag0: creating the embedded ledger…" is a plain progress line of a new data dir, not a log line
    const logs = r.stderr.split("\n").filter((l) => l && !l.startsWith("pag0: "));
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) expect(JSON.parse(line)).toMatchObject({ service: "pag0" });
    expect(logs.map((l) => JSON.parse(l).msg)).toContain("pag0 stdio initialized by its client");
    for (const line of r.stdout.split("\n").filter(Boolean)) expect(JSON.parse(line).jsonrpc).toBe("2.0");
    expect(r.stdout + r.stderr).not.toContain(WALLET_KEY);
  }, 120_000);

  test("behavior: LOG_FORMAT=pretty gives readable lines on stderr, and stdout still only JSON-RPC", async () => {
    const r = await stdioSession({ LOG_FORMAT: "pretty" });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: pag0 stdio initialized by its client$/m);
    for (const line of r.stderr.split("\n").filter(Boolean)) expect(() => JSON.parse(line)).toThrow();
    for (const line of r.stdout.split("\n").filter(Boolean)) expect(JSON.parse(line).jsonrpc).toBe("2.0");
    expect(r.stdout + r.stderr).not.toContain(WALLET_KEY);
  }, 120_000);

  test("behavior: on a terminal the default is pretty, in colour (python3's pty stands in for one)", async () => {
    // under a pty stdout and stderr share one terminal, so the protocol answer and the log lines interleave
    const r = await stdioSession({}, { tty: true });
    const esc = "\x1b"; // ANSI colour codes: green level, cyan message
    expect(r.stdout).toContain(`] ${esc}[32mINFO${esc}[39m: ${esc}[36mpag0 stdio initialized by its client`);
    expect(r.stdout).not.toMatch(/"msg":"pag0 stdio initialized/);
  }, 120_000);

  test("behavior: with AXIOM_API_TOKEN and AXIOM_DATASET the lines reach Axiom, no secret in them, and exit stays prompt", async () => {
    const axiom = await startAxiomReceiver();
    stops.push(axiom.stop);
    const r = await stdioSession({ AXIOM_API_TOKEN: TOKEN, AXIOM_DATASET: "pag0", AXIOM_URL: axiom.url });
    expect(r.code).toBe(0);
    expect(axiom.events().map((e) => e.msg)).toContain("pag0 stdio initialized by its client");
    expect(axiom.requests.every((q) => q.path === "/v1/datasets/pag0/ingest")).toBe(true);
    expect(axiom.requests.map((q) => q.body).join("")).not.toContain(WALLET_KEY);
    expect(axiom.requests.map((q) => q.body).join("")).not.toContain(TOKEN);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(r.stdout + r.stderr).not.toContain(WALLET_KEY);
    expect(r.exitMs).toBeLessThan(10_000); // not held open by the shipper (its deadline is 3 s)
  }, 120_000);

  test("behavior: a stuck Axiom costs at most the shipping deadline at exit", async () => {
    const axiom = await startAxiomReceiver({ hang: true });
    stops.push(axiom.stop);
    const r = await stdioSession({ AXIOM_API_TOKEN: TOKEN, AXIOM_DATASET: "pag0", AXIOM_URL: axiom.url });
    expect(r.code).toBe(0);
    expect(axiom.requests.length).toBeGreaterThan(0);
    expect(r.stderr).toContain("pag0: Axiom did not take the last log lines within 3000 ms; dropped\n");
    expect(r.stderr).not.toContain(TOKEN);
    expect(r.exitMs).toBeLessThan(8_000); // the 3 s deadline, and no retries after it
  }, 120_000);
});
