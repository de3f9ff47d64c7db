import type { ServerResponse } from "node:http";
import type { Route, RouteOptions } from "./routeTable.js";

const CHUNK = Buffer.alloc(64 * 1024, "x");

/** Writes the resource of a route: a redirect, N streamed bytes, or a JSON/text body; no-op once the client left. */
export async function serveResource(
  route: Route<RouteOptions>,
  res: ServerResponse,
  extraHeaders: Record<string, string> = {},
): Promise<void> {
  const { options, stats } = route;
  if (res.destroyed) return;
  const headers = { ...options.headers, ...extraHeaders };
  if (options.redirectTo !== undefined) {
    res.writeHead(options.status ?? 302, { ...headers, location: options.redirectTo }).end();
    return;
  }
  if (options.streamBytes !== undefined) {
    res.writeHead(options.status ?? 200, { "content-type": "application/octet-stream", ...headers });
    await streamBytes(res, options.streamBytes, (n) => {
      stats.bytesSent += n;
    });
    return;
  }
  const body = options.body ?? { ok: true, path: route.path };
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const contentType = typeof body === "string" ? "text/plain; charset=utf-8" : "application/json";
  stats.bytesSent += Buffer.byteLength(text);
  res.writeHead(options.status ?? 200, { "content-type": contentType, ...headers }).end(text);
}

/** Streams with backpressure, so a client that stops reading stops the server too (never buffers N bytes). */
async function streamBytes(res: ServerResponse, total: number, sent: (n: number) => void): Promise<void> {
  let left = total;
  while (left > 0 && !res.destroyed) {
    const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
    left -= chunk.length;
    sent(chunk.length);
    if (!res.write(chunk)) {
      const drained = await new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => () => {
          res.off("drain", onDrain);
          res.off("close", onClose);
          resolve(ok);
        };
        const onDrain = done(true);
        const onClose = done(false);
        res.once("drain", onDrain);
        res.once("close", onClose);
      });
      if (!drained) return;
    }
  }
  if (!res.destroyed) res.end();
}
