import { describe, expect, test } from "vitest";
import { deny } from "../../src/denial.js";
import { compose, type Stage } from "../../src/pipeline/compose.js";
import type { CallContext, StageOutcome } from "../../src/pipeline/context.js";

const ctx = {} as CallContext;
const terminal: Stage = async () => deny("INTERNAL", "end");

describe("compose", () => {
  test("default: runs stages in order as an onion", async () => {
    const seen: string[] = [];
    const mark =
      (name: string): Stage =>
      async (_c, next) => {
        seen.push(`${name}>`);
        const out = await next();
        seen.push(`<${name}`);
        return out;
      };
    const out = await compose([mark("a"), mark("b"), terminal])(ctx);
    expect(out).toMatchObject({ kind: "denied", message: "end" });
    expect(seen).toEqual(["a>", "b>", "<b", "<a"]);
  });

  test("behavior: a stage may answer without calling next", async () => {
    let reached = false;
    const stop: Stage = async () => deny("HOST_BLOCKED", "no");
    const after: Stage = async () => {
      reached = true;
      return deny("INTERNAL", "unreachable");
    };
    const out: StageOutcome = await compose([stop, after])(ctx);
    expect(out).toMatchObject({ code: "HOST_BLOCKED" });
    expect(reached).toBe(false);
  });

  test("behavior: calling next twice is an error", async () => {
    const twice: Stage = async (_c, next) => {
      await next();
      return next();
    };
    await expect(compose([twice, terminal])(ctx)).rejects.toThrow(/next\(\) twice/);
  });

  test("behavior: the last stage calling next is an error", async () => {
    await expect(compose([async (_c, next) => next()])(ctx)).rejects.toThrow(/last pipeline stage/);
  });
});
