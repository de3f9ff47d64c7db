import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.js";
import { migratePostgres } from "../../src/ledger/migratePostgres.js";
import { openPostgres } from "../../src/ledger/postgresClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";
import { withDeadline } from "../../src/ledger/withDeadline.js";
import { startAlertReceiver } from "../support/alertReceiver.js";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.js";
import { startTestPag0, type TestPag0 } from "../support/testPag0.js";
import { createThrowawayDb, type ThrowawayDb } from "../support/throwawayDb.js";
import { startWorld, type World } from "../world/world.js";

// A Postgres ledger reached through a proxy the test cuts and restores, as in paidFetch.ledgerOutage.test.ts.
let world: World;
let db: ThrowawayDb;
let proxy: TcpProxy;
let ledger: Ledger;
let pag0: TestPag0;
let receiver: Awaited<ReturnType<typeof startAlertReceiver>>;

beforeAll(async () => {
  [world, db, receiver] = await Promise.all([startWorld(), createThrowawayDb(), startAlertReceiver()]);
  const admin = openPostgres(db.url, { max: 1 });
  await migratePostgres(admin.sql, MIGRATIONS_DIR);
  await admin.close();
  proxy = await startTcpProxy(5432);
  ledger = sqlLedger(withDeadline(openPostgres(db.url.replace(":5432/", `:${proxy.port}/`)), 3_000));
  pag0 = await startTestPag0({
    world,
    ledger,
    payerKey: (await world.newPayer()).key,
    env: { ALERT_WEBHOOK_URL: receiver.webhookUrl, PAG0_CACHE: "false" },
  });
});
afterAll(async () => {
  await pag0?.close();
  await ledger?.close();
  await proxy?.close();
  await db?.drop();
  await receiver?.stop();
  await world?.stop();
});

describe("ledger alerts", () => {
  test("behavior: one alert when the ledger goes down, however many calls fail, and one when it comes back", async () => {
    const url = world.v2.route({ price: 10_000n });
    expect((await pag0.call("paid_fetch", { url })).isError).toBeFalsy();
    await pag0.deps.alerter.flush();
    expect(receiver.alerts()).toEqual([]);

    await proxy.cut();
    const down = await Promise.all([1, 2, 3].map(() => pag0.call("paid_fetch", { url })));
    expect(down.map((r) => r.structuredContent.error?.code)).toEqual(Array(3).fill("LEDGER_UNAVAILABLE"));
    expect((await pag0.call("paid_fetch", { url })).structuredContent.error?.code).toBe("LEDGER_UNAVAILABLE");
    await pag0.deps.alerter.flush();
    expect(receiver.alerts().map((a) => a.pag0.kind)).toEqual(["ledger_down"]);
    expect(receiver.alerts()[0]?.pag0).toMatchObject({ ledger: "postgres", outage: 1 });

    await proxy.restore();
    for (let i = 0; i < 2; i++) expect((await pag0.call("paid_fetch", { url })).isError).toBeFalsy();
    await pag0.deps.alerter.flush();
    expect(receiver.alerts().map((a) => a.pag0.kind)).toEqual(["ledger_down", "ledger_up"]);
    expect(receiver.alerts()[1]?.pag0).toMatchObject({ outage: 1, downSeconds: expect.any(Number) });
    // the database URL (and its password, if it had one) is not in any post
    expect(receiver.requests.map((r) => r.body).join("\n")).not.toContain("postgres://");
  });
});
