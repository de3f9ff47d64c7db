import { execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";

const run = promisify(execFile);
const cli = (args: string[], env: Record<string, string>) =>
  run(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
    env: { ...process.env, ...env },
    timeout: 120_000,
  });

describe("pag0 http and pag0 keys", () => {
  test("behavior: refuses a non-loopback address without keys; keys create, list and revoke", async () => {
    const env = {
      PAG0_DATA_DIR: mkdtempSync(join(tmpdir(), "pag0-cmd-")),
      API_KEY_SALT: "cli-test-salt-0123456789",
      LOG_LEVEL: "fatal",
    };

    const refused = await cli(["http"], { ...env, HOST: "0.0.0.0", PORT: "0" }).catch((e) => e);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without API keys/);

    const created = await cli(["keys", "create", "--principal", "agent-7", "--scopes", "fetch,read"], env);
    const key = created.stdout.trim();
    expect(key).toMatch(/^pag0_[a-z0-9]{10}_[A-Za-z0-9_-]{43}$/);
    const id = key.split("_")[1];
    const listed = (await cli(["keys", "list"], env)).stdout;
    expect(listed).toContain(id);
    expect(listed).toContain("agent-7");
    expect(listed).toContain("active");
    expect(listed).not.toContain(key); // the secret is shown once, never again
    await cli(["keys", "revoke", id ?? ""], env);
    expect((await cli(["keys", "list"], env)).stdout).toMatch(/revoked/);
  }, 240_000); // five CLI processes, each opening the embedded ledger

  test("behavior: pag0 http serves /health and shuts down cleanly on SIGTERM", async () => {
    const env = { PAG0_DATA_DIR: mkdtempSync(join(tmpdir(), "pag0-cmd-")), PORT: "0", LOG_LEVEL: "warn" };
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "http"], {
      env: { ...process.env, ...env },
    });
    let stderr = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on("data", (d) => {
        stderr += String(d);
        const m = /listening on (http:\/\/\S+)\/mcp/.exec(stderr);
        if (m?.[1]) resolve(m[1]);
      });
      child.once("exit", () => reject(new Error(`exited early: ${stderr}`)));
    });
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: "degraded",
      checks: { ledger: { status: "ok" }, wallet: { status: "missing" } },
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
