import { describe, expect, test } from "vitest";
import { LedgerUnavailableError } from "../../src/errors.js";
import type { SqlClient } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";

/** The edge a real database cannot produce on demand: a driver that fails, or answers garbage. */
function client(call: SqlClient["call"]): SqlClient {
  return { kind: "postgres", call, close: async () => {} };
}

const input = {
  principal: "p",
  amount: 1n,
  idempotencyKey: "k",
  request: { method: "GET", url: "https://a.example/", host: "a.example", requestHash: "h" },
  quote: { scheme: "exact", network: "eip155:1", asset: "0xa", payTo: "0xb", x402Version: 2, maxTimeoutSeconds: 60 },
  ttlSeconds: 60,
};

describe("sqlLedger", () => {
  test("behavior: a driver failure is LEDGER_UNAVAILABLE, with the cause kept for logs", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const ledger = sqlLedger(client(async () => Promise.reject(refused)));
    const e = await ledger.reserve(input).catch((x) => x);
    expect(e).toBeInstanceOf(LedgerUnavailableError);
    expect(e.code).toBe("LEDGER_UNAVAILABLE");
    expect(e.cause).toBe(refused);
    expect(e.message).not.toContain("5432");
  });

  test("behavior: an answer that does not parse is LEDGER_UNAVAILABLE, never a payment", async () => {
    const ledger = sqlLedger(client(async () => ({ ok: true, replayed: false, spend: { id: "1", amount: 5 } })));
    await expect(ledger.reserve(input)).rejects.toBeInstanceOf(LedgerUnavailableError);
    const numbers = sqlLedger(client(async () => ({ items: [], next_cursor: null, totals: { spent: 1, count: 0 } })));
    await expect(numbers.listSpend({ principal: null, limit: 10 })).rejects.toBeInstanceOf(LedgerUnavailableError);
  });

  test("behavior: programming errors are thrown before reaching the database", async () => {
    let calls = 0;
    const ledger = sqlLedger(
      client(async () => {
        calls++;
        return null;
      }),
    );
    await expect(ledger.reserve({ ...input, amount: 0n })).rejects.toBeInstanceOf(RangeError);
    await expect(ledger.reserve({ ...input, ttlSeconds: 0.5 })).rejects.toBeInstanceOf(RangeError);
    await expect(ledger.upsertPrincipal("p", { perRequest: -1n, daily: 0n, monthly: 0n })).rejects.toBeInstanceOf(
      RangeError,
    );
    expect(calls).toBe(0);
  });
});
