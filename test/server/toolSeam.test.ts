import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { describe, expect, test } from "vitest";
import * as z from "zod";
import { deny } from "../../src/denial.js";
import { Pag0Error } from "../../src/errors.js";
import { createMetrics } from "../../src/metrics.js";
import { type Extra, toolSeam } from "../../src/server/toolSeam.js";
import { type Caller, defineTool } from "../../src/tools/defineTool.js";
import { logSink } from "../support/logSink.js";

const echo = defineTool({
  name: "echo",
  title: "Echo",
  description: "Answers with what it got.",
  inputSchema: { say: z.string().min(1).describe("what to say"), fail: z.enum(["denied", "pag0", "bug"]).optional() },
  outputSchema: { said: z.string() },
  annotations: { readOnlyHint: true },
  scope: "read",
  async handler(input) {
    if (input.fail === "denied") return deny("BUDGET_EXCEEDED", "No budget left.", { window: "day" });
    if (input.fail === "pag0") throw new Pag0Error("LEDGER_UNAVAILABLE", "The ledger is down.");
    if (input.fail === "bug") throw new Error("secret internals: postgres://user:pw@db/ledger");
    return { said: input.say };
  },
  text: (o) => `said ${o.said}`,
});

function seam() {
  const { log, lines: logs } = logSink();
  const metrics = createMetrics();
  return { seam: toolSeam([echo], { log, metrics: metrics.tools }), logs, metrics };
}

const extra = {
  signal: new AbortController().signal,
  requestId: 1,
  sendNotification: async () => {},
} as unknown as Extra;
const reader: Caller = { principal: "p", scopes: ["read"] };
const call = (s: ReturnType<typeof seam>, args: unknown, caller = reader, name = "echo") =>
  s.seam.call(name, args, { extra, server: {} as Server, caller });

describe("toolSeam", () => {
  test("default: publishes each tool's JSON Schemas once, and a call answers text plus structured content", async () => {
    const s = seam();
    expect(s.seam.list).toEqual([
      expect.objectContaining({
        name: "echo",
        annotations: { readOnlyHint: true },
        inputSchema: expect.objectContaining({
          type: "object",
          properties: expect.objectContaining({ say: expect.objectContaining({ description: "what to say" }) }),
          required: ["say"],
        }),
        outputSchema: expect.objectContaining({ properties: expect.objectContaining({ error: expect.anything() }) }),
      }),
    ]);
    expect(await call(s, { say: "hi" })).toEqual({
      content: [{ type: "text", text: "said hi" }],
      structuredContent: { said: "hi" },
    });
    const calls = await s.metrics.registry.getSingleMetric("pag0_tool_calls_total")?.get();
    expect(calls?.values).toEqual([expect.objectContaining({ labels: { tool: "echo", outcome: "ok" }, value: 1 })]);
  });

  test("behavior: bad input, a denial and a Pag0Error each become an isError result with their stable code", async () => {
    const s = seam();
    const invalid = await call(s, { say: "" });
    expect(invalid).toMatchObject({ isError: true, structuredContent: { error: { code: "INVALID_INPUT" } } });
    expect((invalid.structuredContent as any).error.message).toMatch(/at say/);
    expect(await call(s, { say: "x", fail: "denied" })).toMatchObject({
      isError: true,
      structuredContent: { error: { code: "BUDGET_EXCEEDED", details: { window: "day" } } },
    });
    expect(await call(s, { say: "x", fail: "pag0" })).toMatchObject({
      structuredContent: { error: { code: "LEDGER_UNAVAILABLE", message: "The ledger is down." } },
    });
  });

  test("behavior: an unexpected error is INTERNAL, its detail logged and never shown", async () => {
    const s = seam();
    const r = await call(s, { say: "x", fail: "bug" });
    expect(r).toMatchObject({ isError: true, structuredContent: { error: { code: "INTERNAL" } } });
    expect(JSON.stringify(r)).not.toContain("postgres://");
    expect(s.logs.join("")).toContain("secret internals");
  });

  test("behavior: a key without the tool's scope is FORBIDDEN, and an unknown tool is named back", async () => {
    const s = seam();
    expect(await call(s, { say: "x" }, { principal: "p", scopes: [] })).toMatchObject({
      structuredContent: { error: { code: "FORBIDDEN" } },
    });
    const unknown = await call(s, {}, reader, "nope");
    expect(unknown).toMatchObject({ isError: true, structuredContent: { error: { code: "INVALID_INPUT" } } });
    expect((unknown.structuredContent as any).error.message).toMatch(/Unknown tool: nope\. The tools are echo/);
  });
});
