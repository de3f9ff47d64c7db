import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import {
  decodePaymentSignatureHeader,
  encodePaymentRequiredHeader,
  encodePaymentResponseHeader,
} from "@x402/core/http";
import { HTTPFacilitatorClient, x402ResourceServer } from "@x402/core/server";
import type { Network, PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { ExactEvmScheme } from "@x402/evm/exact/server";
import {
  declarePaymentIdentifierExtension,
  extractPaymentIdentifier,
  PAYMENT_IDENTIFIER,
} from "@x402/extensions/payment-identifier";
import type { Address } from "viem";
import { listenLocal } from "./listenLocal.js";
import { createRouteTable, type PaidServer, type Route, type RouteOptions } from "./routeTable.js";
import { serveResource } from "./serveResource.js";

export interface V2RouteOptions extends RouteOptions {
  /**
   * Replaces the advertised quote: one entry per `accepts` item, each merged over the real requirement
   * (e.g. `[{ network: "eip155:8453" }]`, `[{ payTo }]`, `[{ maxTimeoutSeconds: 86_400 }]`); `[]` = none.
   * A payment against an overridden quote still goes to the facilitator as advertised.
   */
  accepts?: Partial<PaymentRequirements>[];
  /**
   * Declare the `payment-identifier` extension and honour it: a payment whose id this route already settled gets
   * the resource again with the same settlement, and is neither verified nor settled a second time.
   */
  paymentIdentifier?: boolean;
}

export interface StartV2ServerOptions {
  facilitatorUrl: string;
  network: Network;
  usdc: { address: Address; name: string; version: string };
  payTo: Address;
}

const NO_STORE = { "cache-control": "no-store" };

/**
 * A paid resource server speaking x402 v2 (`PAYMENT-REQUIRED` / `PAYMENT-SIGNATURE` / `PAYMENT-RESPONSE`),
 * built on the official x402ResourceServer and HTTPFacilitatorClient. Hand-rolled HTTP instead of
 * @x402/express because routes are added at run time and some must break the protocol on purpose.
 */
export async function startV2Server(options: StartV2ServerOptions): Promise<PaidServer<V2RouteOptions>> {
  const resourceServer = new x402ResourceServer(new HTTPFacilitatorClient({ url: options.facilitatorUrl })).register(
    options.network,
    new ExactEvmScheme(),
  );
  await resourceServer.initialize();
  const table = createRouteTable<V2RouteOptions>();
  const quotes = new WeakMap<Route<V2RouteOptions>, Promise<PaymentRequirements[]>>();
  /** payment-identifier routes: the settlement header of every payment id settled */
  const settledById = new Map<string, Record<string, string>>();

  const quoteOf = (route: Route<V2RouteOptions>) => {
    let quote = quotes.get(route);
    if (!quote) {
      quote = buildQuote(resourceServer, options, route.options);
      quotes.set(route, quote);
    }
    return quote;
  };

  const server = await listenLocal((req, res) => {
    const route = table.match(req, res);
    if (!route) return;
    const handled = route.options.free ? serveFree(route, res) : servePaid(route, req, res);
    handled.catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    });
  });

  async function servePaid(route: Route<V2RouteOptions>, req: IncomingMessage, res: ServerResponse) {
    const { options: opts, stats } = route;
    const accepts = await quoteOf(route);
    const resource = {
      url: `${server.url}${req.url}`,
      description: opts.description ?? "",
      mimeType: "application/json",
    };
    const paymentRequired = async (error: string) => {
      const extensions = opts.paymentIdentifier
        ? { [PAYMENT_IDENTIFIER]: declarePaymentIdentifierExtension(false) }
        : undefined;
      const body = await resourceServer.createPaymentRequiredResponse(accepts, resource, error, extensions);
      res
        .writeHead(402, {
          "content-type": "application/json",
          ...NO_STORE,
          "payment-required": encodePaymentRequiredHeader(body),
        })
        .end("{}");
    };

    const header = req.headers["payment-signature"];
    if (typeof header === "string") {
      stats.paymentsReceived++;
      stats.paymentHeaders.push(header);
    }
    if (opts.misbehave === "malformed-header") {
      res.writeHead(402, { "content-type": "application/json", "payment-required": "%%not-base64-json%%" }).end("{}");
      return;
    }
    if (typeof header !== "string") return paymentRequired("Payment required");
    if (opts.misbehave === "drop-before-settle") return void req.socket.destroy();

    let payload: PaymentPayload;
    try {
      payload = decodePaymentSignatureHeader(header);
    } catch {
      return paymentRequired("Invalid PAYMENT-SIGNATURE header");
    }
    const paymentId = opts.paymentIdentifier ? extractPaymentIdentifier(payload) : null;
    const done = paymentId ? settledById.get(paymentId) : undefined;
    if (done) return serveResource(route, res, done);
    const requirements = resourceServer.findMatchingRequirements(accepts, payload);
    if (!requirements) return paymentRequired("No matching payment requirements");
    try {
      const verified = await resourceServer.verifyPayment(payload, requirements);
      if (!verified.isValid) return paymentRequired(verified.invalidReason ?? "Payment verification failed");
    } catch (error) {
      return paymentRequired(error instanceof Error ? error.message : "Payment verification failed");
    }

    stats.handled++;
    // A slow handler, as behind @x402/express: settlement follows even if the client has given up.
    if (opts.delayMs) await sleep(opts.delayMs);
    const settled = await resourceServer.settlePayment(payload, requirements).catch((error: unknown) => ({
      success: false as const,
      errorReason: error instanceof Error ? error.message : String(error),
      transaction: "",
      network: requirements.network,
    }));
    const paymentResponse = { "payment-response": encodePaymentResponseHeader(settled) };
    if (!settled.success) {
      res.writeHead(402, { "content-type": "application/json", ...NO_STORE, ...paymentResponse }).end("{}");
      return;
    }
    stats.settled++;
    if (paymentId) settledById.set(paymentId, paymentResponse);
    if (opts.misbehave === "drop-after-settle") return void req.socket.destroy();
    if (opts.misbehave === "refuse-after-settle") {
      const refused = { ...settled, success: false, errorReason: "settlement_failed", transaction: "" };
      res
        .writeHead(402, {
          "content-type": "application/json",
          ...NO_STORE,
          "payment-response": encodePaymentResponseHeader(refused),
        })
        .end("{}");
      return;
    }
    await serveResource(route, res, paymentResponse);
  }

  async function serveFree(route: Route<V2RouteOptions>, res: ServerResponse) {
    route.stats.handled++;
    if (route.options.delayMs) await sleep(route.options.delayMs);
    await serveResource(route, res);
  }

  return {
    url: server.url,
    payTo: options.payTo,
    route: (routeOptions = {}) => `${server.url}${table.add(routeOptions).path}`,
    stats: table.stats,
    stop: server.close,
  };
}

/** The route's `accepts`: built by the official scheme server, then bent by test overrides. */
async function buildQuote(
  resourceServer: x402ResourceServer,
  server: StartV2ServerOptions,
  route: V2RouteOptions,
): Promise<PaymentRequirements[]> {
  if (route.misbehave === "no-accepts") return [];
  const [requirement] = await resourceServer.buildPaymentRequirements({
    scheme: "exact",
    network: server.network,
    payTo: route.payTo ?? server.payTo,
    maxTimeoutSeconds: route.maxTimeoutSeconds ?? 60,
    // An explicit AssetAmount: eip155:84532's default asset table would point at Circle's Base Sepolia USDC.
    price: {
      amount: String(route.price ?? 10_000n),
      asset: server.usdc.address,
      extra: { name: server.usdc.name, version: server.usdc.version },
    },
  });
  if (!requirement) throw new Error("x402ResourceServer built no payment requirements");
  return route.accepts ? route.accepts.map((override) => ({ ...requirement, ...override })) : [requirement];
}
