import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** An HTTP server of the world, bound to 127.0.0.1 on a port the OS picked. */
export interface LocalServer {
  url: string;
  server: Server;
  /** Closes the listener and every open connection, including ones a test left hanging. */
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0 and never anywhere else: the world must not be reachable from the network. */
export async function listenLocal(handler: RequestListener): Promise<LocalServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
