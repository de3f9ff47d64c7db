import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchBrowser, screenshot, type TestBrowser, tabTo } from "../support/browser.js";
import { pag0StdioTransport } from "../support/pag0StdioTransport.js";
import { startWorld, type World } from "../world/world.js";

// `pag0 dashboard` for a local stdio user: a loopback server with a one-time token in its URL, in the user's terminal,
// on the same data dir (and so the same embedded ledger) as the user's `pag0 stdio`, which is the agent here.

let world: World;
let browser: TestBrowser;
let dashboard: { child: ChildProcess; url: string; token: string; terminal: () => string };
let agent: Client;
const dataDir = join(mkdtempSync(join(tmpdir(), "pag0-dashboard-")), "data");

const PAG0_DASHBOARD = [process.execPath, "--import", "tsx", "src/cli.ts", "dashboard"];

/**
 * `pag0 dashboard` from source on `dataDir`, in a terminal as a person runs it (util-linux `script` gives it a pty);
 * resolves with the URL it printed. Writing Ctrl-C to `child.stdin` is the person pressing it.
 */
function startDashboard(env: Record<string, string>): Promise<typeof dashboard> {
  // exec: the shell that `script` starts becomes pag0 itself, so Ctrl-C reaches pag0, not a shell above it
  const command = `exec ${PAG0_DASHBOARD.map((a) => `'${a}'`).join(" ")}`;
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    env: { PATH: process.env.PATH ?? "", PAG0_DATA_DIR: dataDir, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let terminal = "";
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (d) => {
      terminal += String(d);
      const m = /open (http:\/\/\S+\/dashboard)#token=([A-Za-z0-9_-]+)/.exec(terminal);
      if (m?.[1] && m[2]) resolve({ child, url: m[1], token: m[2], terminal: () => terminal });
    });
    child.once("exit", (code) => reject(new Error(`pag0 dashboard exited (${code}): ${terminal}`)));
  });
}

beforeAll(async () => {
  [world, browser] = await Promise.all([startWorld(), launchBrowser()]);
  const dir = mkdtempSync(join(tmpdir(), "pag0-dashboard-config-"));
  writeFileSync(join(dir, "pag0.json"), JSON.stringify({ networks: [world.networkConfig] }));
  // debug logs: the token must not be in any of them
  dashboard = await startDashboard({ PAG0_CONFIG: join(dir, "pag0.json"), LOG_LEVEL: "debug" });
  const payer = await world.newPayer();
  agent = new Client({ name: "dashboard-test-agent", version: "0" });
  await agent.connect(
    pag0StdioTransport(world, {
      PAG0_DATA_DIR: dataDir,
      WALLET_PRIVATE_KEY: payer.key,
      PAG0_APPROVAL_THRESHOLD: "0.05",
    }),
  );
});
afterAll(async () => {
  await agent?.close();
  dashboard?.child.kill("SIGKILL");
  await browser?.close();
  await world?.stop();
});

/** GET `url` with this Host header (fetch cannot set Host), as a browser on a rebound DNS name sends it. */
function statusWithHost(url: string, host: string, token: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host, authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once("error", reject);
    req.end();
  });
}

const paidFetch = async (args: Record<string, unknown>) =>
  (await agent.callTool({ name: "paid_fetch", arguments: args })) as { isError?: boolean; structuredContent: any };

describe("pag0 dashboard", () => {
  test("default: a loopback URL with a one-time token in the terminal; data requests without it get 401", async () => {
    expect(new URL(dashboard.url).hostname).toBe("127.0.0.1");
    expect(dashboard.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const api = `${dashboard.url}/api/overview`;
    expect((await fetch(api)).status).toBe(401);
    expect((await fetch(api, { headers: { authorization: "Bearer not-the-token" } })).status).toBe(401);
    expect((await fetch(`${api}?token=${dashboard.token}`)).status).toBe(401); // only as a header
    const ok = await fetch(api, { headers: { authorization: `Bearer ${dashboard.token}` } });
    expect(ok.status).toBe(200);
    const approve = await fetch(`${dashboard.url}/api/approvals/apr_x/approve`, { method: "POST" });
    expect(approve.status).toBe(401);
    // another site's page, through a DNS name rebound to 127.0.0.1, is refused
    expect(await statusWithHost(api, "evil.example", dashboard.token)).toBe(403);
    expect(await statusWithHost(api, "localhost", dashboard.token)).toBe(200);
    expect((await fetch(`${dashboard.url}`)).status).toBe(200);
    // the one line that shows it to the user is the only place the token appears (debug logs included)
    expect(dashboard.terminal().split(dashboard.token)).toHaveLength(2);
  });

  test("behavior: the token link signs in; the user sees the agent's payment and approves a waiting one by keyboard, which then pays", async () => {
    const small = world.newAddress();
    const paid = await paidFetch({ url: world.v2.route({ price: 20_000n, payTo: small }) });
    expect(paid.isError, JSON.stringify(paid.structuredContent)).toBeFalsy();
    const payTo = world.newAddress();
    const url = world.v2.route({ price: 80_000n, payTo });
    const idempotencyKey = randomUUID();
    const first = await paidFetch({ url, idempotencyKey });
    expect(first.structuredContent.error.code).toBe("APPROVAL_REQUIRED");
    const { approvalId } = first.structuredContent.error.details;

    const { page, errors } = await browser.page();
    await page.goto(`${dashboard.url}#token=${dashboard.token}`);
    await page.locator(`#payments tr[data-receipt="${paid.structuredContent.receiptId}"]`).waitFor();
    expect(page.url()).toBe(dashboard.url); // the token is taken out of the address bar (and its history)
    expect(await page.locator("#login").isHidden()).toBe(true);
    const row = page.locator(`#payments tr[data-receipt="${paid.structuredContent.receiptId}"]`);
    expect(await row.locator(`code[title="${paid.structuredContent.payment.txHash}"]`).count()).toBe(1);
    expect(await page.locator('#budgets li[data-principal="local"]').textContent()).toContain("0.02 spent");
    await screenshot(page, "local-dashboard");

    await tabTo(page, `li[data-approval="${approvalId}"] button.approve`);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#status").textContent()).toContain(`Approved ${approvalId}`);
    expect(await world.balanceOf(payTo)).toBe(0n);
    const retried = await paidFetch({ url, idempotencyKey });
    expect(retried.isError, JSON.stringify(retried.structuredContent)).toBeFalsy();
    expect(await world.balanceOf(payTo)).toBe(80_000n);
    expect(world.settlements.map((s) => s.transaction)).toContain(retried.structuredContent.payment.txHash);

    // a reload in the same tab stays signed in; a new tab (no token) asks for it
    await page.reload();
    await page.locator(`#payments tr[data-receipt="${retried.structuredContent.receiptId}"]`).waitFor();
    const fresh = await browser.page();
    await fresh.page.goto(dashboard.url);
    await fresh.page.getByLabel("Operator key or dashboard token").waitFor();
    expect(await fresh.page.locator("#board").isHidden()).toBe(true);
    expect(errors).toEqual([]);
  });

  test("behavior: from a pipe, as an agent's shell tool runs it, it refuses to start and shows no token", async () => {
    const elsewhere = join(mkdtempSync(join(tmpdir(), "pag0-dashboard-pipe-")), "data");
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(PAG0_DASHBOARD[0]!, PAG0_DASHBOARD.slice(1), {
        env: { PATH: process.env.PATH ?? "", PAG0_DATA_DIR: elsewhere },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d) => {
        stderr += String(d);
      });
      child.once("exit", (code) => resolve({ code, stderr }));
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("only in an interactive terminal");
    expect(r.stderr).not.toContain("token=");
    expect(existsSync(elsewhere)).toBe(false); // no ledger opened
  });

  test("behavior: Ctrl-C stops it with exit 0, and the data dir is free for the agent's ledger", async () => {
    const exited = new Promise<number | null>((resolve) => dashboard.child.once("exit", resolve));
    dashboard.child.stdin?.write("\x03");
    expect(await exited).toBe(0);
    const budget = (await agent.callTool({ name: "get_budget", arguments: {} })) as { structuredContent: any };
    expect(budget.structuredContent.spent.today).toBe("0.10");
  });
});
