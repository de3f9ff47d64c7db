import type { Logger } from "../logger.js";
import type { CacheHitInput, Ledger } from "./ledger.js";

export interface SavingsWriter {
  /** Queues one saving; it is written within `flushMs` (or sooner, once `maxBatch` wait). Never throws. */
  record(input: CacheHitInput): void;
  /** Writes everything queued so far (readers of this process call it first, so they see their own savings). */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
}

/**
 * Cache-hit savings written behind the response: a hit answers without a ledger round trip, and the rows go in
 * batches (`recordCacheHits`, one round trip each). A batch that fails is kept and tried again with the next one,
 * up to `maxQueued` rows; a crash loses what is queued: savings rows, never money (they move no budget).
 */
export function savingsWriter(
  ledger: Pick<Ledger, "recordCacheHits">,
  options: { log: Logger; flushMs?: number; maxBatch?: number; maxQueued?: number },
): SavingsWriter {
  const flushMs = options.flushMs ?? 1_000;
  const maxBatch = options.maxBatch ?? 256;
  const maxQueued = options.maxQueued ?? 10_000;
  let queued: CacheHitInput[] = [];
  let writing: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  function write(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    writing = writing.then(async () => {
      while (queued.length > 0) {
        const batch = queued.slice(0, maxBatch);
        try {
          await ledger.recordCacheHits(batch);
          queued = queued.slice(batch.length);
        } catch (err) {
          options.log.warn({ err, queued: queued.length }, "cache savings could not be recorded yet; retrying");
          if (queued.length > maxQueued) queued = queued.slice(queued.length - maxQueued);
          schedule();
          return;
        }
      }
    });
    return writing;
  }

  function schedule() {
    timer ??= setTimeout(() => void write(), flushMs).unref();
  }

  return {
    record(input) {
      queued.push(input);
      if (queued.length >= maxBatch) void write();
      else schedule();
    },
    flush: () => (queued.length > 0 ? write() : writing),
    async close() {
      await write();
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
