import { randomUUID } from "node:crypto";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ProofBundle, verifyProofBundle } from "../../src/audit/proofBundle.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import { type AuditChain, startAuditChain } from "../audit/auditChain.js";
import { launchBrowser, PHONE, screenshot, type TestBrowser, tabTo } from "../support/browser.js";
import { type HttpPag0, startHttpPag0 } from "../support/testHttpPag0.js";
import { openTestLedger } from "../support/testLedger.js";
import { startWorld, type World } from "../world/world.js";

// `pag0 http`'s /dashboard in Debian's Chromium: an operator signs in with an operator key, sees payments made here
// on the local chain (with their settlement and audit anchor), and approves or denies payments waiting for a human.

let world: World;
let audit: AuditChain;
let ledger: Ledger;
let pag0: HttpPag0;
let browser: TestBrowser;
let operatorKey: string;
let agentKey: string;
let agent: Client;

beforeAll(async () => {
  [world, audit, ledger, browser] = await Promise.all([
    startWorld(),
    startAuditChain(),
    openTestLedger(),
    launchBrowser(),
  ]);
  const payer = await world.newPayer();
  pag0 = await startHttpPag0({
    world,
    ledger,
    payerKey: payer.key,
    env: {
      PAG0_APPROVAL_THRESHOLD: "0.05",
      PAG0_HTTP_SESSIONS: "false", // no elicitation: above the threshold the agent gets APPROVAL_REQUIRED
      SKALE_RPC_URL: audit.rpcUrl,
      PAG0_AUDIT_CONTRACT: audit.contract,
      ERC8004_SIGNER_KEY: audit.operatorKey,
      ERC8004_AGENT_ID: audit.agentId.toString(),
      PAG0_AUDIT_BATCH_INTERVAL_MS: "300",
    },
  });
  pag0.deps.anchorer?.start();
  operatorKey = await pag0.key("ops", ["operator"]);
  agentKey = await pag0.key("agent-1", ["fetch", "read"]);
  agent = await pag0.client(agentKey);
});
afterAll(async () => {
  await browser?.close();
  await pag0?.deps.anchorer?.stop();
  await pag0?.close();
  await ledger?.close();
  await Promise.all([world?.stop(), audit?.stop()]);
});

const paidFetch = async (args: Record<string, unknown>) =>
  (await agent.callTool({ name: "paid_fetch", arguments: args })) as { isError?: boolean; structuredContent: any };

/** A page signed in with the operator key (typed into the login form, as a person does). */
async function signedIn(viewport?: { width: number; height: number }) {
  const opened = await browser.page(viewport);
  await opened.page.goto(`${pag0.url}/dashboard`);
  await opened.page.getByLabel("Operator key or dashboard token").fill(operatorKey);
  await opened.page.getByRole("button", { name: "Sign in" }).click();
  await opened.page.locator("#board").waitFor();
  return opened;
}

/** Refreshes until `selector` matches (the page also polls every 10 s; the button is what a person presses). */
async function refreshUntil(page: Page, selector: string) {
  await expect
    .poll(
      async () => {
        await page.getByRole("button", { name: "Refresh" }).click();
        await page.waitForTimeout(200);
        return page.locator(selector).count();
      },
      { timeout: 20_000, interval: 300 },
    )
    .toBeGreaterThan(0);
}

/** An agent call above the threshold: refused, waiting for a human, nothing signed. */
async function waitingPayment(price: bigint) {
  const payTo = world.newAddress();
  const url = world.v2.route({ price, payTo });
  const idempotencyKey = randomUUID();
  const first = await paidFetch({ url, idempotencyKey });
  expect(first.structuredContent.error.code).toBe("APPROVAL_REQUIRED");
  return { payTo, url, idempotencyKey, approvalId: first.structuredContent.error.details.approvalId as string };
}

describe("dashboard in pag0 http", () => {
  test("default: every data request needs an operator key (401 without, 403 for an agent's); the page asks for one", async () => {
    const api = `${pag0.url}/dashboard/api`;
    const requests: [string, string][] = [
      ["GET", "overview"],
      ["GET", "payments"],
      ["GET", "approvals"],
      ["GET", "receipts/1/proof"],
      ["POST", "approvals/apr_x/approve"],
      ["POST", "approvals/apr_x/deny"],
    ];
    for (const [method, path] of requests) {
      expect((await fetch(`${api}/${path}`, { method })).status, path).toBe(401);
      const wrong = { authorization: `Bearer pag0_0123456789_${"x".repeat(43)}` };
      expect((await fetch(`${api}/${path}`, { method, headers: wrong })).status, path).toBe(401);
      const agentOnly = { authorization: `Bearer ${agentKey}` };
      expect((await fetch(`${api}/${path}`, { method, headers: agentOnly })).status, path).toBe(403);
    }
    const ok = await fetch(`${api}/overview`, { headers: { authorization: `Bearer ${operatorKey}` } });
    expect(ok.status).toBe(200);
    const shell = await fetch(`${pag0.url}/dashboard`);
    expect(shell.status).toBe(200);
    expect(shell.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await shell.text()).not.toMatch(/https?:\/\//); // nothing from a CDN
    expect((await fetch(`${pag0.url}/dashboard/static/nope.js`)).status).toBe(404);
    expect((await fetch(`${pag0.url}/dashboard/vendor/constructor`)).status).toBe(404);

    const { page } = await browser.page();
    await page.goto(`${pag0.url}/dashboard`);
    await page.getByLabel("Operator key or dashboard token").fill(agentKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("#login-error").textContent()).toContain("no operator scope");
    expect(await page.locator("#board").isHidden()).toBe(true);
    await screenshot(page, "desktop-login-refused");
  });

  test("behavior: the operator sees a payment made in this test, its settlement tx, anchor and proof bundle", async () => {
    const payTo = world.newAddress();
    const paid = await paidFetch({ url: world.v2.route({ price: 20_000n, payTo }) });
    expect(paid.isError).toBeFalsy();
    const { receiptId, payment } = paid.structuredContent;
    expect(await world.balanceOf(payTo)).toBe(20_000n);

    const { page, errors } = await signedIn();
    const row = page.locator(`#payments tr[data-receipt="${receiptId}"]`);
    await refreshUntil(page, `#payments tr[data-receipt="${receiptId}"]`);
    await expect.poll(() => row.locator("td[data-label=Status]").textContent()).toBe("settled");
    expect(await row.locator("td[data-label=Amount]").textContent()).toBe("0.02 USDC");
    expect(await row.locator(`td[data-label=Payee] code[title="${payTo}"]`).count()).toBe(1);
    expect(await row.locator(`td[data-label="Settlement tx"] code[title="${payment.txHash}"]`).count()).toBe(1);
    expect(await page.locator('#budgets li[data-principal="agent-1"]').textContent()).toContain("0.02 spent");
    expect(await page.locator("#chart canvas").count()).toBeGreaterThan(0);
    expect(await page.locator("#chart-legend").textContent()).toContain("agent-1");
    const today = new Date().toISOString().slice(0, 10);
    expect(await page.locator("#chart-table tbody tr", { hasText: today }).textContent()).toContain("0.02");

    // anchored on the local audit chain in the background; the proof bundle verifies against that contract
    await refreshUntil(page, `#payments tr[data-receipt="${receiptId}"] .audit.anchored`);
    await screenshot(page, "desktop-overview");
    await row.getByRole("button", { name: `Proof bundle of payment ${receiptId}` }).click();
    const json = page.locator("#proof-json");
    await expect.poll(() => json.inputValue(), { timeout: 10_000 }).toContain("pag0-receipt-proof/1");
    const bundle = JSON.parse(await json.inputValue()) as ProofBundle;
    expect(bundle.leaf.paymentTxHash).toBe(payment.txHash);
    expect((await verifyProofBundle(bundle, { client: audit.client, contract: audit.contract })).ok).toBe(true);
    await screenshot(page, "desktop-proof", false);
    await page.getByRole("button", { name: "Close" }).click();
    expect(errors).toEqual([]);
  });

  test("behavior: a waiting payment approved in the browser pays when the agent retries; a denied one never does", async () => {
    const approved = await waitingPayment(80_000n);
    const denied = await waitingPayment(90_000n);
    const { page, errors } = await signedIn();
    await refreshUntil(page, `li[data-approval="${denied.approvalId}"]`);
    expect(await page.locator(`li[data-approval="${approved.approvalId}"]`).textContent()).toContain("0.08 USDC");
    await screenshot(page, "desktop-approvals");

    await page
      .locator(`li[data-approval="${approved.approvalId}"]`)
      .getByRole("button", { name: /^Approve/ })
      .click();
    await expect.poll(() => page.locator("#status").textContent()).toContain(`Approved ${approved.approvalId}`);
    await page.locator(`li[data-approval="${denied.approvalId}"]`).getByRole("button", { name: /^Deny/ }).click();
    await expect.poll(() => page.locator("#status").textContent()).toContain(`Denied ${denied.approvalId}`);
    expect(await page.locator("li[data-approval]").count()).toBe(0);
    expect(await world.balanceOf(approved.payTo)).toBe(0n); // approving pays nothing by itself

    const retried = await paidFetch({ url: approved.url, idempotencyKey: approved.idempotencyKey });
    expect(retried.isError, JSON.stringify(retried.structuredContent)).toBeFalsy();
    expect(await world.balanceOf(approved.payTo)).toBe(80_000n);
    const refused = await paidFetch({ url: denied.url, idempotencyKey: denied.idempotencyKey });
    expect(refused.structuredContent.error.code).toBe("APPROVAL_DENIED");
    expect(await world.balanceOf(denied.payTo)).toBe(0n);

    const receipt = retried.structuredContent.receiptId;
    await refreshUntil(page, `#payments tr[data-receipt="${receipt}"]`);
    const row = page.locator(`#payments tr[data-receipt="${receipt}"]`);
    expect(await row.locator(`code[title="${retried.structuredContent.payment.txHash}"]`).count()).toBe(1);
    expect(errors).toEqual([]);
  });

  test("behavior: at phone width it reads without sideways scrolling, and a keyboard alone signs in and approves", async () => {
    const waiting = await waitingPayment(70_000n);
    const { page, errors } = await browser.page(PHONE);
    await page.goto(`${pag0.url}/dashboard`);
    // the key field has focus on load: type, Enter
    await page.keyboard.type(operatorKey);
    await page.keyboard.press("Enter");
    await page.locator(`li[data-approval="${waiting.approvalId}"]`).waitFor();
    await page.locator("#budgets li").first().waitFor();
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, "phone-overview");

    await tabTo(page, `li[data-approval="${waiting.approvalId}"] button.approve`);
    // the focus ring is visible
    expect(await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")).toBe("solid");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#status").textContent()).toContain(`Approved ${waiting.approvalId}`);
    const retried = await paidFetch({ url: waiting.url, idempotencyKey: waiting.idempotencyKey });
    expect(retried.isError, JSON.stringify(retried.structuredContent)).toBeFalsy();
    expect(await world.balanceOf(waiting.payTo)).toBe(70_000n);
    await refreshUntil(page, `#payments tr[data-receipt="${retried.structuredContent.receiptId}"]`);
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, "phone-after-approval");
    // the proof of the payment anchored earlier in this file, in a dialog that fits the screen
    await page
      .getByRole("button", { name: /^Proof bundle of payment/ })
      .first()
      .click();
    await expect.poll(() => page.locator("#proof-json").inputValue(), { timeout: 10_000 }).toContain("receiptHash");
    const dialog = await page.locator("#proof").boundingBox();
    expect(dialog && dialog.x >= 0 && dialog.x + dialog.width <= PHONE.width).toBe(true);
    await screenshot(page, "phone-proof", false);
    expect(errors).toEqual([]);
  });
});
