import { stripResponseHeaders } from "../upstream/headers.js";
import { readCappedBody } from "../upstream/readCappedBody.js";
import type { UpstreamResult } from "./context.js";

/** Read an upstream response within the size cap; set-cookie and hop-by-hop headers never reach the model. */
export async function readUpstream(res: Response, maxBytes: number): Promise<UpstreamResult> {
  const { bytes, truncated } = await readCappedBody(res, maxBytes);
  const setsCookie = res.headers.has("set-cookie") || res.headers.has("set-cookie2");
  return { status: res.status, headers: stripResponseHeaders(res.headers), body: bytes, truncated, setsCookie };
}

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  bodyBase64: string;
  truncated: boolean;
}

/** What the ledger keeps of a paid response, so a retry with the same idempotency key gets what was bought. */
export const snapshot = (r: UpstreamResult): StoredResponse => ({
  status: r.status,
  headers: r.headers,
  bodyBase64: Buffer.from(r.body).toString("base64"),
  truncated: r.truncated,
});

export const restore = (s: StoredResponse): UpstreamResult => ({
  status: s.status,
  headers: s.headers,
  body: new Uint8Array(Buffer.from(s.bodyBase64, "base64")),
  truncated: s.truncated,
});
