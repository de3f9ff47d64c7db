import { listenLocal } from "../world/listenLocal.js";

/** A JSON-RPC pass-through whose `down()` makes the chain unreachable (connections reset) until `up()`. */
export interface RpcProxy {
  url: string;
  down(): void;
  up(): void;
  stop(): Promise<void>;
}

export async function startRpcProxy(target: string): Promise<RpcProxy> {
  let isDown = false;
  const local = await listenLocal(async (req, res) => {
    if (isDown) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      const upstream = await fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: Buffer.concat(chunks),
      });
      res.writeHead(upstream.status, { "content-type": "application/json" });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    } catch {
      req.socket.destroy();
    }
  });
  return {
    url: local.url,
    down() {
      isDown = true;
      local.server.closeAllConnections();
    },
    up() {
      isDown = false;
    },
    stop: local.close,
  };
}
