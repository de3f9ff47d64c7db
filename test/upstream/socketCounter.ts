import { subscribe, unsubscribe } from "node:diagnostics_channel";

/**
 * Counts client sockets Node creates (net.connect / tls.connect) while `run` is pending: proof
 * that a refused target was never dialled, without timing anything.
 */
export async function countSocketsDuring<T>(run: () => Promise<T>): Promise<{ sockets: number; result: T }> {
  let sockets = 0;
  const onSocket = () => {
    sockets++;
  };
  subscribe("net.client.socket", onSocket);
  try {
    const result = await run();
    return { sockets, result };
  } finally {
    unsubscribe("net.client.socket", onSocket);
  }
}
