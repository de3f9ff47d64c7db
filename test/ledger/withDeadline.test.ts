import { describe, expect, test } from "vitest";
import type { SqlClient } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";
import { LedgerDeadlineError, withDeadline } from "../../src/ledger/withDeadline.js";

const client = (answer: () => Promise<unknown>): SqlClient & { extra: string } => ({
  kind: "postgres",
  extra: "kept",
  call: answer,
  close: async () => {},
});

describe("withDeadline", () => {
  test("default: an answer in time passes through; the client's other members are kept", async () => {
    const c = withDeadline(
      client(async () => ({ ok: 1 })),
      200,
    );
    expect(await c.call("get_spend", {})).toEqual({ ok: 1 });
    expect(c.extra).toBe("kept");
  });

  test("behavior: a call that never answers fails after the deadline, and the ledger reports it unavailable", async () => {
    const silent = withDeadline(
      client(() => new Promise(() => {})),
      100,
    );
    const t0 = performance.now();
    await expect(silent.call("reserve_spend", {})).rejects.toBeInstanceOf(LedgerDeadlineError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    await expect(sqlLedger(silent).getSpend("1")).rejects.toMatchObject({ code: "LEDGER_UNAVAILABLE" });
  });
});
