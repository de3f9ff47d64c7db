import { createServer, type IncomingHttpHeaders } from "node:http";
import { gunzipSync } from "node:zlib";

export interface IngestRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** the request body, gunzipped when sent with Content-Encoding: gzip */
  body: string;
  /** the events, one JSON object per line (what @axiomhq/js posts) */
  events: Record<string, unknown>[];
}

/**
 * A local stand-in for Axiom's ingest API (`POST /v1/datasets/<dataset>/ingest`, bearer token, JSON events, gzip
 * as @axiomhq/js sends them). `hang` accepts requests and never answers: a slow or stuck Axiom.
 */
export async function startAxiomReceiver(options: { hang?: boolean } = {}) {
  const requests: IngestRequest[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const body = (req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
      const events = body
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, events });
      for (const w of waiters.splice(0)) w();
      if (options.hang) return;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ingested: events.length, failed: 0, failures: [], processedBytes: raw.length }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** every event received so far */
    events: () => requests.flatMap((r) => r.events),
    /** resolves once an event satisfies `match` */
    async waitFor(match: (e: Record<string, unknown>) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!requests.some((r) => r.events.some(match))) {
        if (Date.now() > deadline) throw new Error("no matching event reached the Axiom stand-in");
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
