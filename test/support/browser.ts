import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it when missing). Never a downloaded build. */
export const CHROMIUM = "/usr/bin/chromium";
/** Exactly these flags, plus a fresh profile and Playwright's pipe to talk to it. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** Where the screenshots of the browser tests go (gitignored): look at them after a run. */
export const ARTIFACTS = join(import.meta.dirname, "..", "..", "test-artifacts", "dashboard");

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export interface TestBrowser {
  browser: Browser;
  /** A new page in its own context (no shared storage), with every console error and page error kept in `errors`. */
  page(viewport?: {
    width: number;
    height: number;
  }): Promise<{ page: Page; context: BrowserContext; errors: string[] }>;
  close(): Promise<void>;
}

/** Chromium headless, with Playwright's default flags replaced by CHROMIUM_FLAGS. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "pag0-chromium-"));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    ignoreDefaultArgs: true,
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, "--remote-debugging-pipe", "about:blank"],
  });
  return {
    browser,
    async page(viewport = DESKTOP) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(String(e)));
      return { page, context, errors };
    },
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A screenshot in test-artifacts/dashboard/<name>.png: the whole page, or the viewport (for an open dialog). */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/**
 * Presses Tab until the focused element matches `selector` (at most `max` times): what a keyboard-only user does.
 * Throws if it is never reached, so a control that cannot be reached by keyboard fails the test.
 */
export async function tabTo(page: Page, selector: string, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    // a string, not a function: the tests are compiled without the DOM's types
    if (await page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) return;
  }
  throw new Error(`Tab never reached ${selector} in ${max} presses`);
}
