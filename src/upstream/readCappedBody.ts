import { isPag0Error } from "../errors.js";

export type CappedBody = { bytes: Uint8Array; truncated: boolean };

/**
 * Reads at most `maxBytes` of a response body, chunk by chunk. When the body is longer it stops,
 * cancels the stream (the upstream connection is closed, the rest is never downloaded) and returns
 * the first `maxBytes` bytes with `truncated: true`. A body cut by the fetch's own cap
 * (RESPONSE_TOO_LARGE) is also reported as truncated, with the bytes that arrived before it.
 *
 * @example const { bytes, truncated } = await readCappedBody(res, 1_000_000)
 */
export async function readCappedBody(res: Response, maxBytes: number): Promise<CappedBody> {
  if (!res.body) return { bytes: new Uint8Array(0), truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let truncated = false;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      if (isPag0Error(error) && error.code === "RESPONSE_TOO_LARGE") {
        truncated = true;
        break;
      }
      throw error;
    }
    if (chunk.done) break;
    const room = maxBytes - length;
    if (chunk.value.byteLength > room) {
      if (room > 0) chunks.push(chunk.value.subarray(0, room));
      length += room;
      truncated = true;
      await reader.cancel().catch(() => {});
      break;
    }
    chunks.push(chunk.value);
    length += chunk.value.byteLength;
  }
  return { bytes: concat(chunks, length), truncated };
}

// Always a fresh copy: chunks may be views into larger pooled buffers we should not keep alive.
function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
