import { afterAll, beforeAll } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.js";
import type { World } from "../world/world.js";
import { startWorld } from "../world/world.js";
import { openTestLedger } from "./testLedger.js";
import type { TestPag0 } from "./testPag0.js";

/**
 * A test file's local x402 world and shared in-memory ledger: started before its tests (handed to `ready`), and
 * after them every Pag0 in `started` closed, then the ledger and the world.
 * @example let world: World; let ledger: Ledger; const started: TestPag0[] = [];
 *   withWorld((w, l) => { world = w; ledger = l; }, started);
 */
export function withWorld(ready: (world: World, ledger: Ledger) => void, started: TestPag0[]): void {
  let world: World | undefined;
  let ledger: Ledger | undefined;
  beforeAll(async () => {
    [world, ledger] = await Promise.all([startWorld(), openTestLedger()]);
    ready(world, ledger);
  });
  afterAll(async () => {
    await Promise.all(started.map((p) => p.close()));
    await ledger?.close();
    await world?.stop();
  });
}
