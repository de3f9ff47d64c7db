import { openTestLedger } from "../test/support/testLedger.js";
import { startTestPag0 } from "../test/support/testPag0.js";
import { startWorld } from "../test/world/world.js";
const world = await startWorld();
const ledger = await openTestLedger();
const payer = await world.newPayer();
const pag0 = await startTestPag0({ world, ledger, payerKey: payer.key, env: { LOG_LEVEL: "warn" } });
const url = world.v2.route({ price: 1000n, headers: { "cache-control": "max-age=3600" } });
await pag0.call("paid_fetch", { url });
const extra = { signal: new AbortController().signal, requestId: 1, sendNotification: async () => {}, sendRequest: async () => {} } as never;
const caller = { principal: pag0.principal, scopes: ["fetch"] as const };
const N = 5000;
for (let round = 0; round < 3; round++) {
  let t0 = performance.now();
  for (let i = 0; i < N; i++) { const r = await pag0.deps.tools.call("paid_fetch", { url }, { extra, server: pag0.server, caller: caller as never }); if (r.isError) throw new Error(JSON.stringify(r)); }
  const hit = (performance.now() - t0) / N;
  t0 = performance.now();
  for (let i = 0; i < N; i++) JSON.stringify(await pag0.deps.tools.call("paid_fetch", { url }, { extra, server: pag0.server, caller: caller as never }));
  const hitJson = (performance.now() - t0) / N;
  console.log(`seam hit ${(hit * 1000).toFixed(1)} us, with JSON.stringify ${(hitJson * 1000).toFixed(1)} us`);
}
await pag0.close(); await ledger.close(); await world.stop();
