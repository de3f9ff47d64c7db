import { describe, expect, test } from "vitest";
import { atomic, instant } from "../../src/ledger/sqlValues.js";

describe("sqlValues", () => {
  test("default: atomic amounts and instants parse to bigint and Date", () => {
    expect(atomic.parse("1000000")).toBe(1_000_000n);
    expect(instant.parse("2026-12-01T10:00:00.000000Z").toISOString()).toBe("2026-12-01T10:00:00.000Z");
  });

  test.each(["-5", "1.5", "", "0x10", " 1"])("behavior: %j is not an atomic amount", (raw) => {
    expect(atomic.safeParse(raw).success).toBe(false);
  });

  test.each(["", "yesterday", "2026-13-45"])("behavior: %j is not an instant", (raw) => {
    expect(instant.safeParse(raw).success).toBe(false);
  });
});
