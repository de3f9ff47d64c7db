import { execFile } from "node:child_process";
import { describe, expect, test } from "vitest";

const SCENARIOS = [
  "server-initialize",
  "ping",
  "logging-set-level",
  "tools-list",
  "tools-call-error",
  "server-sse-multiple-streams",
  "dns-rebinding-protection",
];

/** `scripts/conformance.sh` (what `npm run conformance` runs); never rejects, so the output can be shown. */
function conformance(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(
      "bash",
      ["scripts/conformance.sh", ...args],
      { env: { ...process.env, ...env }, timeout: 540_000 },
      (e, stdout) => resolve({ code: e ? (typeof e.code === "number" ? e.code : -1) : 0, stdout }),
    );
  });
}

describe("npm run conformance (needs the npm registry: npx fetches node@22 and @modelcontextprotocol/conformance)", () => {
  test("default: every protocol scenario passes against pag0 http, stateful and stateless", async () => {
    const { code, stdout } = await conformance([]);
    for (const scenario of SCENARIOS) expect(stdout).toMatch(new RegExp(`^PASS  stateful  ${scenario} `, "m"));
    for (const scenario of SCENARIOS.filter((s) => s !== "server-sse-multiple-streams")) {
      expect(stdout).toMatch(new RegExp(`^PASS  stateless  ${scenario} `, "m"));
    }
    expect(stdout).toContain("conformance: 13 passed, 0 failed");
    expect(code, stdout).toBe(0);
  }, 600_000);

  test("behavior: a failing scenario (resources-list: Pag0 has no resources) makes the script exit non-zero", async () => {
    const { code, stdout } = await conformance(["stateful"], { CONFORMANCE_SCENARIOS: "resources-list" });
    expect(stdout).toMatch(/^FAIL {2}stateful {2}resources-list /m);
    expect(stdout).toContain("conformance: 0 passed, 1 failed");
    expect(code).toBe(1);
  }, 600_000);
});
