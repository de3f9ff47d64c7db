import { Writable } from "node:stream";
import { afterEach, describe, expect, test } from "vitest";
import { closeLogger, createLogger, type LogOptions, resolveFormat } from "../src/logger.js";
import { startAxiomReceiver } from "./support/axiomReceiver.js";

const WALLET_KEY = `0x${"5e".repeat(32)}`;
const TOKEN = "xaat-00000000-test-token-never-logged";

/** A real logger writing into `lines`, with the same secrets logged at it in each test. */
function captured(options: LogOptions) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createLogger(options, sink);
  log.info(
    { walletPrivateKey: WALLET_KEY, headers: { authorization: "Bearer pag0_sk_live" }, amount: "0.02" },
    "payment settled",
  );
  return { log, text: () => lines.join("") };
}

const until = async (ok: () => boolean) => {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
};

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe("resolveFormat", () => {
  test("default: auto is pretty on a terminal and JSON otherwise; json and pretty win", () => {
    expect(resolveFormat("auto", true)).toBe("pretty");
    expect(resolveFormat("auto", false)).toBe("json");
    expect(resolveFormat("json", true)).toBe("json");
    expect(resolveFormat("pretty", false)).toBe("pretty");
  });
});

describe("createLogger", () => {
  test("default: a bare level writes JSON lines, secrets redacted", async () => {
    const { text } = captured({ level: "info", format: "json" });
    await until(() => text() !== "");
    const line = JSON.parse(text().trim());
    expect(line).toMatchObject({ level: 30, msg: "payment settled", amount: "0.02", service: "pag0" });
    expect(line.walletPrivateKey).toBe("[REDACTED]");
    expect(text()).not.toContain(WALLET_KEY);
    expect(text()).not.toContain("pag0_sk_live");
  });

  test("behavior: pretty writes readable, non-JSON lines, secrets still redacted", async () => {
    const { text } = captured({ level: "info", format: "pretty" });
    await until(() => text().includes("amount"));
    expect(text()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: payment settled\n/);
    expect(text()).toMatch(/amount: "0\.02"/);
    expect(() => JSON.parse(text().split("\n")[0] as string)).toThrow();
    expect(text()).toContain("[REDACTED]");
    expect(text()).not.toContain(WALLET_KEY);
    expect(text()).not.toContain("pag0_sk_live");
    expect(text()).not.toContain("\x1b["); // no colours into a stream that is not a terminal
  });

  test("behavior: with Axiom set, the lines also reach its ingest API, redacted, token only in the header", async () => {
    const axiom = await startAxiomReceiver();
    stops.push(axiom.stop);
    const { log, text } = captured({
      level: "info",
      format: "json",
      axiom: { token: TOKEN, dataset: "pag0-logs", url: axiom.url },
    });
    log.warn({ principal: "agent-1" }, "budget at 80%");
    await closeLogger(log);

    expect(axiom.requests.length).toBeGreaterThan(0);
    for (const r of axiom.requests) {
      expect([r.method, r.path]).toEqual(["POST", "/v1/datasets/pag0-logs/ingest"]);
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.body).not.toContain(TOKEN);
      expect(r.body).not.toContain(WALLET_KEY);
      expect(r.body).not.toContain("pag0_sk_live");
    }
    expect(axiom.events()).toEqual([
      expect.objectContaining({ level: "info", msg: "payment settled", walletPrivateKey: "[REDACTED]" }),
      expect.objectContaining({ level: "warn", msg: "budget at 80%", principal: "agent-1" }),
    ]);
    expect(axiom.events()[0]?._time).toEqual(expect.any(Number));
    expect(text()).toContain("budget at 80%"); // stderr (here the sink) still gets every line
    expect(text()).not.toContain(TOKEN);
  });

  test("behavior: a stuck Axiom delays closeLogger by its deadline only, and says so in one line", async () => {
    const axiom = await startAxiomReceiver({ hang: true });
    stops.push(axiom.stop);
    const stderr: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => stderr.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      const { log } = captured({ level: "info", axiom: { token: TOKEN, dataset: "d", url: axiom.url } });
      const t0 = performance.now();
      await closeLogger(log, 300);
      expect(performance.now() - t0).toBeLessThan(2000);
    } finally {
      process.stderr.write = write;
    }
    expect(axiom.requests).toHaveLength(1); // it was sent; the answer never came
    expect(stderr.join("")).toBe("pag0: Axiom did not take the last log lines within 300 ms; dropped\n");
    expect(stderr.join("")).not.toContain(TOKEN);
  });

  test("behavior: closeLogger without Axiom, or on a logger that never logged, returns at once", async () => {
    await closeLogger(createLogger("info"));
    await closeLogger(captured({ level: "info" }).log);
  });
});
