import { describe, expect, test } from "vitest";
import { deny } from "../../src/denial.js";
import type { BudgetStatus } from "../../src/ledger/ledger.js";
import { precheckStage } from "../../src/pipeline/precheckStage.js";
import { principalHosts } from "../../src/pipeline/principalHosts.js";
import { testCallContext } from "../support/callContext.js";

const stage = precheckStage({ allowedHosts: [], blockedHosts: ["blocked.example.com"] });
const onward = deny("INTERNAL", "the next stage ran");
const run = (url: string) => stage(testCallContext(url), async () => onward);

describe("precheckStage", () => {
  test("default: an http(s) URL to an allowed host goes on to the next stage", async () => {
    expect(await run("https://api.example.com/data")).toBe(onward);
  });

  test("behavior: other schemes, embedded credentials and blocked hosts stop here", async () => {
    expect(await run("file:///etc/passwd")).toMatchObject({ code: "URL_NOT_ALLOWED", details: { scheme: "file" } });
    expect(await run("https://user:pw@api.example.com/")).toMatchObject({ code: "URL_NOT_ALLOWED" });
    expect(await run("https://blocked.example.com/")).toMatchObject({ code: "HOST_BLOCKED" });
  });

  test("behavior: a principal's own lists apply on top of the server's, to that principal only", async () => {
    const policies: Record<string, BudgetStatus["policy"]> = {
      a: { allowedHosts: ["api.example.com"], blockedHosts: ["bad.example.org"] },
    };
    const own = principalHosts({
      get: async (p) => ({ policy: policies[p] ?? { allowedHosts: [], blockedHosts: [] } }) as BudgetStatus,
    });
    const s = precheckStage({ allowedHosts: [], blockedHosts: ["blocked.example.com"], principalHosts: own });
    const as = (principal: string, url: string) => s({ ...testCallContext(url), principal }, async () => onward);
    expect(await as("a", "https://api.example.com/")).toBe(onward);
    expect(await as("a", "https://other.example.com/")).toMatchObject({
      code: "HOST_NOT_ALLOWED",
      details: { host: "other.example.com", scope: "principal", allowedHosts: ["api.example.com"] },
    });
    expect(await as("a", "https://bad.example.org/")).toMatchObject({
      code: "HOST_BLOCKED",
      details: { scope: "principal" },
    });
    expect(await as("a", "https://blocked.example.com/")).toMatchObject({
      code: "HOST_BLOCKED",
      details: { scope: "server" },
    });
    expect(await as("b", "https://other.example.com/")).toBe(onward);
  });

  test("behavior: with the ledger down, the last lists seen apply, else the server's; either way nothing may be paid", async () => {
    let up = true;
    const own = principalHosts({
      get: async () => {
        if (!up) throw new Error("ledger down");
        return { policy: { allowedHosts: ["api.example.com"], blockedHosts: [] } } as unknown as BudgetStatus;
      },
    });
    const s = precheckStage({ allowedHosts: [], blockedHosts: [], principalHosts: own });
    const as = async (principal: string, url: string) => {
      const ctx = { ...testCallContext(url), principal };
      return { outcome: await s(ctx, async () => onward), unread: ctx.hostPolicyUnread === true };
    };
    expect(await as("a", "https://api.example.com/")).toEqual({ outcome: onward, unread: false });
    up = false;
    expect(await as("a", "https://other.example.com/")).toMatchObject({ outcome: { code: "HOST_NOT_ALLOWED" } });
    expect(await as("a", "https://api.example.com/")).toEqual({ outcome: onward, unread: true });
    // never seen: only the server's lists, and no payment
    expect(await as("b", "https://other.example.com/")).toEqual({ outcome: onward, unread: true });
  });
});
