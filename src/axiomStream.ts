import { once } from "node:events";
import { PassThrough, type Writable } from "node:stream";
import type { AxiomConfig } from "./config/logging.js";

/** Log lines on their way to Axiom, and how to send the last of them on shutdown. */
export interface AxiomStream {
  /** what pino writes its (already redacted) JSON lines to */
  stream: Writable;
  /** Posts what is buffered and ends, waiting at most `timeoutMs`; past it the request in flight is abandoned. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Axiom's official pino transport, @axiomhq/pino, run in this thread rather than pino's worker: its factory is
 * async, so lines wait in a pass-through until it is loaded. In this thread we can hand it an error handler that
 * prints one line without the token (the default logs whole errors with console.error) and a fetch that shutdown
 * cuts short, so a slow Axiom never holds the process open (a worker's end() blocks, synchronously, up to 10 s).
 */
export function axiomStream(axiom: AxiomConfig, report: (line: string) => void): AxiomStream {
  const pass = new PassThrough();
  const shutdown = new AbortController();
  const say = (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    report(`pag0: shipping logs to Axiom failed: ${message.split(axiom.token).join("[REDACTED]")}\n`);
  };
  const transport: Promise<Writable | undefined> = import("@axiomhq/pino").then(
    async ({ default: axiomTransport }) => {
      const sink = (await axiomTransport({
        dataset: axiom.dataset,
        token: axiom.token,
        ...(axiom.url ? { url: axiom.url } : {}),
        onError: say,
        fetch: cutShortBy(shutdown.signal),
      })) as Writable;
      pass.pipe(sink);
      return sink;
    },
    (e) => {
      say(e);
      pass.resume(); // nothing will read the lines: drop them rather than buffer forever
      return undefined;
    },
  );
  return {
    stream: pass,
    async close(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), timeoutMs);
      });
      const done = transport.then(async (sink) => {
        if (!sink || sink.closed) return;
        const closed = once(sink, "close");
        pass.end();
        await closed;
      });
      const outcome = await Promise.race([done.catch(say), deadline]);
      clearTimeout(timer);
      shutdown.abort();
      if (outcome === "late") report(`pag0: Axiom did not take the last log lines within ${timeoutMs} ms; dropped\n`);
    },
  };
}

/**
 * A fetch that, once `signal` aborts, answers 204 at once instead of waiting on Axiom (a rejection would make
 * @axiomhq/js retry after a second, once per queued batch) and abandons the request in flight.
 */
function cutShortBy(signal: AbortSignal): typeof fetch {
  const dropped = () => new Response(null, { status: 204 });
  const aborted = new Promise<Response>((resolve) =>
    signal.addEventListener("abort", () => resolve(dropped()), { once: true }),
  );
  return async (input, init) => {
    if (signal.aborted) return dropped();
    const mine = new AbortController();
    const real = fetch(input, {
      ...init,
      signal: init?.signal ? AbortSignal.any([init.signal, mine.signal]) : mine.signal,
    });
    real.catch(() => {}); // settled below, or abandoned
    try {
      return await Promise.race([real, aborted]);
    } finally {
      if (signal.aborted) mine.abort();
    }
  };
}
