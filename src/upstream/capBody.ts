import { Pag0Error } from "../errors.js";

export type CapBodyOptions = {
  maxBytes: number;
  host: string;
  /** Called once, when the body ends, fails or is cancelled: the request is over. */
  onSettled: () => void;
  /** Turns an upstream stream error into the error this body reports. */
  mapError: (error: unknown) => unknown;
};

/**
 * Passes an upstream body through, pulled one chunk at a time, and never lets more than `maxBytes`
 * out: past that it cancels the upstream stream (closing the connection) and errors with
 * RESPONSE_TOO_LARGE, so no consumer (x402's `response.text()` included) can buffer an unbounded body.
 */
export function capBody(upstream: ReadableStream<Uint8Array>, options: CapBodyOptions): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  let delivered = 0;
  let overflowed = false;
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    options.onSettled();
  };
  const tooLarge = () =>
    new Pag0Error(
      "RESPONSE_TOO_LARGE",
      `The response from ${options.host} is larger than ${options.maxBytes} bytes; only the first ${options.maxBytes} bytes can be read.`,
      { details: { host: options.host, maxBytes: options.maxBytes } },
    );

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (overflowed) {
          controller.error(tooLarge());
          return;
        }
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (error) {
          settle();
          controller.error(options.mapError(error));
          return;
        }
        if (chunk.done) {
          settle();
          controller.close();
          return;
        }
        const room = options.maxBytes - delivered;
        if (chunk.value.byteLength <= room) {
          delivered += chunk.value.byteLength;
          controller.enqueue(chunk.value);
          return;
        }
        // Over the cap: hand out what fits, then fail the next read. With highWaterMark 0 the
        // partial chunk goes straight to the pending read, so erroring later does not discard it.
        settle();
        await reader.cancel(tooLarge()).catch(() => {});
        if (room > 0) {
          delivered += room;
          controller.enqueue(chunk.value.subarray(0, room));
          overflowed = true;
          return;
        }
        controller.error(tooLarge());
      },
      async cancel(reason) {
        settle();
        await reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
