import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, test } from "vitest";
import { isPag0Error } from "../../src/errors.js";
import { createUpstreamFetch, readCappedBody, type UpstreamFetchOptions } from "../../src/upstream/upstreamFetch.js";
import { type RecordingServer, recordingServer } from "./recordingServer.js";

const MB = 1024 * 1024;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

function upstream(overrides: Partial<UpstreamFetchOptions> = {}) {
  const f = createUpstreamFetch({ allowPrivate: true, maxResponseBytes: 64 * MB, ...overrides });
  cleanups.push(() => f.close());
  return f;
}

type Observed = { written: number; finished: boolean };

/**
 * Streams `total` bytes (byte k is k % 256) with backpressure, and reports, once the response
 * closes, how much it handed to the socket and whether it got to the end.
 */
async function bigBodyServer(total: number): Promise<RecordingServer & { observed: Promise<Observed> }> {
  let report!: (o: Observed) => void;
  const observed = new Promise<Observed>((resolve) => {
    report = resolve;
  });
  const chunk = Buffer.alloc(64 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = i % 256;
  const s = await recordingServer((_req, res: ServerResponse) => {
    let written = 0;
    res.on("close", () => report({ written, finished: res.writableFinished }));
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(total) });
    const pump = () => {
      while (written < total && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) {
          res.once("drain", pump);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    pump();
  });
  cleanups.push(() => s.close());
  return Object.assign(s, { observed });
}

function streamOf(chunks: string[]) {
  const state = { cancelled: false, pulled: 0 };
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = chunks[state.pulled++];
        if (next === undefined) controller.close();
        else controller.enqueue(encoder.encode(next));
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { response: new Response(stream), state };
}

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("readCappedBody", () => {
  test("default: a body under the cap is returned whole", async () => {
    const { bytes, truncated } = await readCappedBody(new Response("hello"), 100);
    expect([decode(bytes), truncated]).toEqual(["hello", false]);
  });

  test("behavior: a body of exactly the cap is not truncated", async () => {
    const { bytes, truncated } = await readCappedBody(new Response("hello"), 5);
    expect([decode(bytes), truncated]).toEqual(["hello", false]);
  });

  test("behavior: a longer body is cut at the cap, the stream cancelled and not read further", async () => {
    const { response, state } = streamOf(["abc", "def", "ghi", "never pulled"]);
    const { bytes, truncated } = await readCappedBody(response, 5);
    expect([decode(bytes), truncated]).toEqual(["abcde", true]);
    expect(state).toEqual({ cancelled: true, pulled: 2 });
  });

  test("behavior: no body reads as empty", async () => {
    const { bytes, truncated } = await readCappedBody(new Response(null, { status: 204 }), 10);
    expect([bytes.length, truncated]).toEqual([0, false]);
  });

  test("behavior: a 50 MB upstream body with a 1 MB cap is cut at 1 MB and the connection closed early", async () => {
    const total = 50 * MB;
    const s = await bigBodyServer(total);
    const res = await upstream()(s.url);
    const { bytes, truncated } = await readCappedBody(res, MB);
    expect(truncated).toBe(true);
    expect(bytes.length).toBe(MB);
    expect([bytes[0], bytes[255], bytes[256], bytes[MB - 1]]).toEqual([0, 255, 0, (MB - 1) % 256]);
    const seen = await s.observed;
    expect(seen.finished).toBe(false);
    expect(seen.written).toBeLessThan(total);
  });
});

describe("createUpstreamFetch maxResponseBytes", () => {
  test("behavior: a consumer reading the whole body gets RESPONSE_TOO_LARGE, and the upstream is closed", async () => {
    const s = await bigBodyServer(50 * MB);
    const res = await upstream({ maxResponseBytes: MB })(s.url);
    const error = await res.arrayBuffer().catch((e: unknown) => e);
    expect(isPag0Error(error) && error.code).toBe("RESPONSE_TOO_LARGE");
    expect(isPag0Error(error) && error.details).toEqual({ host: "127.0.0.1", maxBytes: MB });
    const seen = await s.observed;
    expect(seen.finished).toBe(false);
    expect(seen.written).toBeLessThan(50 * MB);
  });

  test("behavior: readCappedBody reports the fetch's own cap as truncation", async () => {
    const s = await recordingServer((_req, res) => res.end("x".repeat(100)));
    cleanups.push(() => s.close());
    const { bytes, truncated } = await readCappedBody(await upstream({ maxResponseBytes: 10 })(s.url), 50);
    expect([bytes.length, truncated]).toEqual([10, true]);
  });

  test("behavior: a body of exactly maxResponseBytes is delivered whole", async () => {
    const s = await recordingServer((_req, res) => res.end("x".repeat(10)));
    cleanups.push(() => s.close());
    const res = await upstream({ maxResponseBytes: 10 })(s.url);
    expect(await res.text()).toBe("x".repeat(10));
  });
});
