import { describe, expect, test } from "vitest";
import { lazy } from "../src/lazy.js";

describe("lazy", () => {
  test("default: loads on first use only, once, however many callers wait", async () => {
    let loads = 0;
    const value = lazy(async () => ++loads);
    expect(value.ifStarted()).toBeUndefined();
    expect(loads).toBe(0);
    expect(await Promise.all([value(), value(), value()])).toEqual([1, 1, 1]);
    expect(await value.ifStarted()).toBe(1);
    expect(loads).toBe(1);
  });

  test("behavior: a failed load is tried again on the next use", async () => {
    let loads = 0;
    const value = lazy(async () => {
      if (++loads === 1) throw new Error("not yet");
      return "ok";
    });
    await expect(value()).rejects.toThrow("not yet");
    expect(value.ifStarted()).toBeUndefined();
    expect(await value()).toBe("ok");
    expect(loads).toBe(2);
  });
});
