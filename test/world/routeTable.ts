import type { IncomingMessage, ServerResponse } from "node:http";
import type { Address } from "viem";

/** Ways a paid route can break the protocol on purpose. */
export type Misbehave =
  /** 402 whose payment header (v2) or body (v1) is not valid base64 JSON. */
  | "malformed-header"
  /** 402 with an empty `accepts`. */
  | "no-accepts"
  /** Takes the payment and hangs up before verifying or settling: the authorization stays valid. */
  | "drop-before-settle"
  /** Takes the payment, settles it on chain, then hangs up without answering. */
  | "drop-after-settle"
  /** Takes the payment, settles it on chain, then answers 402 with a failed PAYMENT-RESPONSE: a dishonest server. */
  | "refuse-after-settle";

/** What a test route does. Every field is optional; the default is a paid GET for 0.01 USDC. */
export interface RouteOptions {
  /** Path of the route, e.g. `/weather`; default a fresh `/r/<n>`. */
  path?: string;
  /** Default `GET`. */
  method?: string;
  /** Answer without asking for payment. */
  free?: boolean;
  /** Atomic TestUSDC units (6 decimals); default 10_000n = 0.01 USDC. */
  price?: bigint;
  /** Default: the server's `payTo`. */
  payTo?: Address;
  /** Default 60. */
  maxTimeoutSeconds?: number;
  description?: string;
  /** Status of the resource answer; default 200. */
  status?: number;
  /** JSON value (or a string, sent as text/plain); default `{ ok: true, path }`. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Answer `302 Location: <redirectTo>` instead of a body. */
  redirectTo?: string;
  /** Stream this many bytes (chunked, no Content-Length) instead of a body. */
  streamBytes?: number;
  /**
   * Wait this long before answering. On paid routes the wait sits between verify and settle, like a
   * slow handler behind @x402/express: the payment still settles if the client gave up meanwhile.
   */
  delayMs?: number;
  misbehave?: Misbehave;
}

/** What a route has seen so far. */
export interface RouteStats {
  requests: number;
  /** Requests that carried a payment header, valid or not. */
  paymentsReceived: number;
  /** The payment headers received, in order (v2 PAYMENT-SIGNATURE): a resent payment shows the same string twice. */
  paymentHeaders: string[];
  /** Times the resource handler ran (after a valid payment, for paid routes). */
  handled: number;
  /** Payments settled on chain for this route. */
  settled: number;
  /** Body bytes written; a streaming route stops early when the client hangs up. */
  bytesSent: number;
}

export interface Route<O extends RouteOptions> {
  path: string;
  method: string;
  options: O;
  stats: RouteStats;
}

/** A paid resource server of the world (v1 or v2), as tests see it. */
export interface PaidServer<O extends RouteOptions> {
  url: string;
  /** Where paid routes send money unless a route sets its own `payTo`. */
  payTo: Address;
  /** Adds a route while the server runs and returns its full URL. */
  route(options?: O): string;
  stats(url: string): RouteStats;
  stop(): Promise<void>;
}

export interface RouteTable<O extends RouteOptions> {
  add(options: O): Route<O>;
  /** The route for this request, or undefined after answering 404 / 405 itself. */
  match(req: IncomingMessage, res: ServerResponse): Route<O> | undefined;
  /** Stats of the route behind `url` (full URL or path). */
  stats(url: string): RouteStats;
}

/** Routes added while the server runs, matched on the path without its query string. */
export function createRouteTable<O extends RouteOptions>(): RouteTable<O> {
  const routes = new Map<string, Route<O>>();
  let next = 1;
  const pathOf = (url: string) => new URL(url, "http://127.0.0.1").pathname;
  return {
    add(options) {
      const path = options.path ?? `/r/${next++}`;
      if (!path.startsWith("/")) throw new Error(`Route path must start with "/": ${path}`);
      if (routes.has(path)) throw new Error(`Route ${path} already exists`);
      const stats = { requests: 0, paymentsReceived: 0, paymentHeaders: [], handled: 0, settled: 0, bytesSent: 0 };
      const route = { path, method: (options.method ?? "GET").toUpperCase(), options, stats };
      routes.set(path, route);
      return route;
    },
    match(req, res) {
      const route = routes.get(pathOf(req.url ?? "/"));
      if (!route) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "no such route" }));
        return undefined;
      }
      route.stats.requests++;
      if (req.method !== route.method) {
        res.writeHead(405, { allow: route.method }).end();
        return undefined;
      }
      return route;
    },
    stats(url) {
      const route = routes.get(pathOf(url));
      if (!route) throw new Error(`No route at ${url}`);
      return route.stats;
    },
  };
}
