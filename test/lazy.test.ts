import { describe, expect, test } from "vitest";
import { deferred, lazy } from "../src/lazy.js";

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

describe("deferred", () => {
  test("default: nothing is made until a property is read; then once, with methods bound to it", () => {
    let made = 0;
    class Counter {
      n = 0;
      inc() {
        return ++this.n;
      }
    }
    const counter = deferred(() => {
      made++;
      return new Counter();
    });
    expect(made).toBe(0);
    const { inc } = counter;
    expect(inc()).toBe(1);
    expect(counter.inc()).toBe(2);
    expect(counter.n).toBe(2);
    expect(made).toBe(1);
  });
});
