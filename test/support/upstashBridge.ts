// An Upstash REST stand-in in front of a real redis-server, for tests: what @upstash/redis 1.39 sends, and no more.
// POST / (one command), /pipeline and /multi-exec (a batch, which the SDK's auto-pipelining always uses), Bearer
// auth, and `Upstash-Encoding: base64` (every string in a result base64-encoded). Redis does the real work.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";

export interface UpstashBridge {
  url: string;
  /** how many HTTP requests it answered */
  requests(): number;
  close(): Promise<void>;
}

type Command = [string, ...string[]];

/** @example const bridge = await startUpstashBridge({ redisUrl: "redis://127.0.0.1:6379", token: "t" }); */
export async function startUpstashBridge(o: { redisUrl: string; token: string }): Promise<UpstashBridge> {
  const redis = new Redis(o.redisUrl, { maxRetriesPerRequest: 1 });
  let requests = 0;
  const server = createServer(async (req, res) => {
    requests++;
    let body = "";
    for await (const chunk of req) body += chunk;
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
    };
    if (req.headers.authorization !== `Bearer ${o.token}`) return send(401, { error: "Unauthorized" });
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const path = (req.url ?? "/").split("?")[0]?.replace(/\/+$/, "");
    try {
      const parsed = JSON.parse(body) as unknown[];
      if (path === "") {
        const command = parsed.map(String) as Command;
        return send(200, { result: encode(await redis.callBuffer(...command), base64) });
      }
      if (path === "/pipeline" || path === "/multi-exec") {
        const batch = path === "/pipeline" ? redis.pipeline() : redis.multi();
        for (const command of parsed as unknown[][]) batch.callBuffer(...(command.map(String) as Command));
        const results = (await batch.exec()) ?? [];
        return send(
          200,
          results.map(([error, value]) => (error ? { error: error.message } : { result: encode(value, base64) })),
        );
      }
      return send(404, { error: `ERR unsupported path ${path}` });
    } catch (e) {
      return send(400, { error: (e as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redis.quit();
    },
  };
}

/** Redis replies as Upstash sends them: bulk strings as text (base64 when asked), arrays element by element. */
function encode(value: unknown, base64: boolean): unknown {
  if (Buffer.isBuffer(value)) return value.toString(base64 ? "base64" : "utf8");
  if (Array.isArray(value)) return value.map((v) => encode(v, base64));
  // ioredis turns some replies (HGETALL) into objects even through callBuffer: flatten them back
  if (value && typeof value === "object") {
    return encode(
      Object.entries(value)
        .flat()
        .map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v)))),
      base64,
    );
  }
  return value;
}
