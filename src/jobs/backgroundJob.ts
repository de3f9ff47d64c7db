/** A loop that runs in the background, off the response path, until it is stopped. */
export interface BackgroundJob {
  /** Starts the loop (first run after `firstDelayMs`); a second start does nothing. */
  start(firstDelayMs?: number): void;
  /** Stops scheduling, waits for a run in flight, then runs `onStop` (releasing a lock, say). */
  stop(): Promise<void>;
}

export interface BackgroundJobOptions {
  /** One round of the job; resolves to how long to wait before the next one. */
  run(): Promise<number>;
  /** A round that threw: report it (`failures` in a row, from 1) and say how long to wait before trying again. */
  onError(err: unknown, failures: number): number;
  onStop?(): Promise<void>;
}

/**
 * The one background loop of Pag0's jobs (the anchorer, the reconciler): rounds never overlap, the timers never
 * keep the process alive, and a stop waits for the round in flight.
 * @example backgroundJob({ run: async () => (await reconcile(), 30_000), onError: (err) => (log.warn({ err }), 30_000) })
 */
export function backgroundJob(options: BackgroundJobOptions): BackgroundJob {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let started = false;
  let stopped = false;
  let failures = 0;
  const schedule = (ms: number) => {
    if (!stopped) timer = setTimeout(round, ms).unref();
  };
  const round = () => {
    running = options.run().then(
      (next) => {
        failures = 0;
        schedule(next);
      },
      (err) => {
        failures++;
        schedule(options.onError(err, failures));
      },
    );
  };
  return {
    start(firstDelayMs = 0) {
      if (started || stopped) return;
      started = true;
      schedule(firstDelayMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await options.onStop?.();
    },
  };
}
