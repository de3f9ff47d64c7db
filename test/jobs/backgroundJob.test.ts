import { describe, expect, test } from "vitest";
import { backgroundJob } from "../../src/jobs/backgroundJob.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("backgroundJob", () => {
  test("default: rounds run one after another at the delay each returns, never overlapping", async () => {
    let active = 0;
    let overlapped = false;
    let rounds = 0;
    const job = backgroundJob({
      run: async () => {
        overlapped ||= ++active > 1;
        rounds++;
        await sleep(5);
        active--;
        return 1;
      },
      onError: () => 1,
    });
    job.start();
    job.start(); // a second start does nothing
    await sleep(120);
    await job.stop();
    expect(rounds).toBeGreaterThan(3);
    expect(overlapped).toBe(false);
  });

  test("behavior: a failing round is reported with its count in a row, and retried after the delay onError gives", async () => {
    const seen: number[] = [];
    let calls = 0;
    const job = backgroundJob({
      run: async () => {
        if (++calls <= 3) throw new Error("down");
        return 10_000;
      },
      onError: (_err, failures) => {
        seen.push(failures);
        return 1;
      },
    });
    job.start();
    await sleep(100);
    await job.stop();
    expect(seen).toEqual([1, 2, 3]);
    expect(calls).toBe(4); // then the job waits its normal 10 s
  });

  test("behavior: stop waits for the round in flight, runs onStop, and schedules nothing more", async () => {
    const log: string[] = [];
    const job = backgroundJob({
      run: async () => {
        log.push("round");
        await sleep(50);
        log.push("round done");
        return 1;
      },
      onError: () => 1,
      onStop: async () => {
        log.push("stopped");
      },
    });
    job.start();
    await sleep(10);
    await job.stop();
    await sleep(30);
    expect(log).toEqual(["round", "round done", "stopped"]);
  });
});
