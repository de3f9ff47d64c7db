import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type LocalServer, listenLocal } from "../world/listenLocal.js";

export type Recorded = { method: string; path: string; headers: IncomingHttpHeaders; body: string };

export type RecordingServer = LocalServer & { port: number; requests: Recorded[] };

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A real HTTP server on 127.0.0.1:0 that records every request it fully received, then runs `handle` (default: 200 "ok"). */
export async function recordingServer(handle: Handler = (_req, res) => res.end("ok")): Promise<RecordingServer> {
  const requests: Recorded[] = [];
  const local = await listenLocal((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
      handle(req, res, body);
    });
  });
  const { port } = local.server.address() as AddressInfo;
  return Object.assign(local, { port, requests });
}
