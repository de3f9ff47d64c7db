import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { CallContext } from "../../src/pipeline/context.js";
import { logSink } from "./logSink.js";

/** One paid_fetch call as the tool hands it to the pipeline: a GET of `url` for `alice`, under a fresh key. */
export function testCallContext(
  url: string | URL,
  overrides: Partial<CallContext> & { log?: Logger } = {},
): CallContext {
  return {
    principal: "alice",
    request: { method: "GET", url: new URL(url), headers: {}, body: undefined },
    maxPrice: undefined,
    idempotencyKey: randomUUID(),
    ownIdempotencyKey: false,
    cacheMode: "default",
    signal: new AbortController().signal,
    log: overrides.log ?? logSink().log,
    ...overrides,
  };
}
