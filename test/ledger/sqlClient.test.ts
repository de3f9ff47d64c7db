import { describe, expect, test } from "vitest";
import {
  defaultMigrationsDir,
  namedCall,
  pendingMigrations,
  readMigrations,
  SQUASHED_MIGRATIONS,
} from "../../src/ledger/sqlClient.js";

describe("namedCall", () => {
  test("default: named arguments in order, undefined left out for the SQL default", () => {
    const when = new Date("2031-01-31T23:59:59.000Z");
    expect(
      namedCall(
        "reserve_spend",
        { p_principal: "a", p_amount: 2n ** 60n, p_now: when, p_skip: undefined, p_n: 3 },
        {
          jsonAsText: true,
        },
      ),
    ).toEqual({
      text: 'select "reserve_spend"("p_principal" => $1, "p_amount" => $2, "p_now" => $3, "p_n" => $4) as result',
      params: ["a", "1152921504606846976", "2031-01-31T23:59:59.000Z", 3],
    });
  });

  test("behavior: objects are JSON text only when the driver needs it", () => {
    const quote = { scheme: "exact" };
    expect(namedCall("get_spend", { p_quote: quote, p_x: null }, { jsonAsText: true }).params).toEqual([
      '{"scheme":"exact"}',
      null,
    ]);
    expect(namedCall("get_spend", { p_quote: quote }, { jsonAsText: false }).params).toEqual([quote]);
  });

  test("behavior: refuses anything that is not a plain identifier", () => {
    expect(() => namedCall('x"; drop table principals; --', {}, { jsonAsText: true })).toThrow(/identifier/);
    expect(() => namedCall("get_spend", { "p_id) or (1": 1 }, { jsonAsText: true })).toThrow(/identifier/);
  });
});

describe("migrations", () => {
  test("default: the package's migrations are found, in order, with checksums", async () => {
    const files = await readMigrations(defaultMigrationsDir());
    expect(files[0]?.name).toMatch(/^\d{14}_baseline\.sql$/);
    expect(files.map((m) => m.name)).toEqual(files.map((m) => m.name).sort());
    expect(files[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  test("behavior: only unapplied migrations are pending; edited or unknown applied ones are refused", () => {
    const files = [
      { name: "20260101000000_a.sql", sql: "", checksum: "1" },
      { name: "20260102000000_b.sql", sql: "", checksum: "2" },
    ];
    expect(pendingMigrations(files, [{ name: "20260101000000_a.sql", checksum: "1" }]).map((m) => m.name)).toEqual([
      "20260102000000_b.sql",
    ]);
    expect(() => pendingMigrations(files, [{ name: "20260101000000_a.sql", checksum: "x" }])).toThrow(/changed/);
    expect(() => pendingMigrations(files, [{ name: "20270101000000_new.sql", checksum: "3" }])).toThrow(
      /does not know/,
    );
  });

  test("behavior: a database of the squashed pre-release migrations is told how to recreate it", () => {
    const files = [{ name: "20261202000000_baseline.sql", sql: "", checksum: "1" }];
    const old = SQUASHED_MIGRATIONS.map((name) => ({ name, checksum: "0" }));
    expect(() => pendingMigrations(files, old)).toThrow(
      "this database was set up by a pre-release Pag0 whose migrations were squashed into 20261202000000_baseline; " +
        "recreate it: drop the database and create it again (on Supabase: `supabase db reset`), then run `pag0 migrate`",
    );
    expect(() => pendingMigrations(files, old.slice(0, 1), "delete /tmp/x")).toThrow(/recreate it: delete \/tmp\/x/);
  });
});
