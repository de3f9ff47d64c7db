import { createConnection, createServer, type Server, type Socket } from "node:net";

/** A TCP proxy to a service on 127.0.0.1 that a test can cut (as if the service stopped), stall, and restore. */
export interface TcpProxy {
  port: number;
  /** closes the listener and every open connection: new ones are refused */
  cut(): Promise<void>;
  /** keeps every connection open, and accepts new ones, but passes no byte either way (a silent network path) */
  stall(): void;
  /** listens again on the same port (after cut), and passes bytes again (after stall) */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  let stalled = false;
  const track = (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  };
  const stop = ([a, b]: [Socket, Socket]) => {
    a.unpipe(b);
    b.unpipe(a);
    a.pause();
    b.pause();
  };
  const flow = ([a, b]: [Socket, Socket]) => {
    a.pipe(b);
    b.pipe(a);
  };
  let server: Server | null = null;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = createConnection(targetPort, targetHost);
        track(client);
        track(upstream);
        const pair: [Socket, Socket] = [client, upstream];
        pairs.add(pair);
        client.once("close", () => pairs.delete(pair));
        if (stalled) stop(pair);
        else flow(pair);
        client.on("error", () => upstream.destroy());
        upstream.on("error", () => client.destroy());
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        server = s;
        resolve((s.address() as { port: number }).port);
      });
    });
  const cut = async () => {
    const s = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  const port = await listen(0);
  return {
    port,
    cut,
    stall() {
      stalled = true;
      for (const pair of pairs) stop(pair);
    },
    async restore() {
      if (stalled) {
        stalled = false;
        for (const pair of pairs) flow(pair);
      }
      if (!server) await listen(port);
    },
    close: cut,
  };
}
