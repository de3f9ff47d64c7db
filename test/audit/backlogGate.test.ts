import { describe, expect, test } from "vitest";
import { backlogGate } from "../../src/audit/backlogGate.js";
import type { AuditBacklog } from "../../src/ledger/auditStore.js";
import { createLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/metrics.js";

describe("backlogGate", () => {
  test("behavior: onOverLimit fires once each time the backlog passes the limit, not once per call", async () => {
    let clock = 1_000_000;
    let oldest: Date | null = new Date(clock);
    const backlog = (): AuditBacklog => ({
      queued: 3,
      unanchored: 3,
      oldestUnanchoredAt: oldest,
      lastConfirmed: null,
      openBatches: 0,
    });
    const crossings: unknown[] = [];
    const gate = backlogGate({
      store: { auditBacklog: async () => backlog() },
      strict: false,
      anchoring: true,
      maxBacklogSeconds: 60,
      metrics: createMetrics().audit,
      log: createLogger("silent"),
      cacheMs: 0,
      now: () => clock,
      onOverLimit: (details) => crossings.push(details),
    });
    const at = async (seconds: number) => {
      clock = 1_000_000 + seconds * 1000;
      return gate();
    };

    expect(await at(30)).toBeNull();
    expect(crossings).toEqual([]);
    for (const s of [61, 62, 90]) expect(await at(s)).toBeNull(); // warned, not refused: strict is off
    expect(crossings).toEqual([{ oldestUnanchoredSeconds: 61, limitSeconds: 60, unanchored: 3 }]);

    oldest = null; // anchored: back under the limit
    await at(91);
    oldest = new Date(clock);
    await at(91 + 61);
    expect(crossings).toHaveLength(2);
  });
});
