import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { encodePaymentResponseHeader } from "@x402/core/http";
import { HTTPFacilitatorClient } from "@x402/core/server";
import type { PaymentPayload, PaymentRequirements, SettleResponse } from "@x402/core/types";
import type { PaymentPayloadV1, PaymentRequirementsV1 } from "@x402/core/types/v1";
import type { Address } from "viem";
import { listenLocal } from "./listenLocal.js";
import { createRouteTable, type PaidServer, type Route, type RouteOptions } from "./routeTable.js";
import { serveResource } from "./serveResource.js";

/** A v1 requirement as it travels: @x402/core types `network` as CAIP-2, but v1 uses names like `base-sepolia`. */
export type V1Requirements = Omit<PaymentRequirementsV1, "network"> & { network: string };

export interface V1RouteOptions extends RouteOptions {
  /** Replaces the advertised quote: one entry per `accepts` item, each merged over the real one; `[]` = none. */
  accepts?: Partial<V1Requirements>[];
}

export interface StartV1ServerOptions {
  facilitatorUrl: string;
  /** A v1 network name; its chain id is fixed by @x402/evm (base-sepolia = 84532). */
  network: string;
  usdc: { address: Address; name: string; version: string };
  payTo: Address;
}

/**
 * A paid resource server speaking x402 v1 (402 JSON body, `X-PAYMENT`, `X-PAYMENT-RESPONSE`), in front of
 * the same facilitator over HTTP. Hand-rolled: the v1 npm packages pull in 678 MB, and the protocol is thin.
 */
export async function startV1Server(options: StartV1ServerOptions): Promise<PaidServer<V1RouteOptions>> {
  // HTTPFacilitatorClient forwards payload.x402Version, so it speaks v1 to the facilitator unchanged.
  const facilitator = new HTTPFacilitatorClient({ url: options.facilitatorUrl });
  const table = createRouteTable<V1RouteOptions>();

  const server = await listenLocal((req, res) => {
    const route = table.match(req, res);
    if (!route) return;
    const handled = route.options.free ? serveFree(route, res) : servePaid(route, req, res);
    handled.catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    });
  });

  async function servePaid(route: Route<V1RouteOptions>, req: IncomingMessage, res: ServerResponse) {
    const { options: opts, stats } = route;
    const accepts = quoteOf(options, opts, `${server.url}${req.url}`, req.method ?? "GET");
    const paymentRequired = (error: string, payer?: string) => {
      const body = { x402Version: 1, error, accepts, ...(payer ? { payer } : {}) };
      res.writeHead(402, { "content-type": "application/json" }).end(JSON.stringify(body));
    };

    const header = req.headers["x-payment"];
    if (typeof header === "string") stats.paymentsReceived++;
    if (opts.misbehave === "malformed-header") {
      res.writeHead(402, { "content-type": "application/json" }).end("{x402Version:1,accepts:[");
      return;
    }
    if (typeof header !== "string") return paymentRequired("X-PAYMENT header is required");
    if (opts.misbehave === "drop-before-settle") return void req.socket.destroy();

    let payload: PaymentPayloadV1;
    try {
      payload = JSON.parse(Buffer.from(header, "base64").toString("utf8")) as PaymentPayloadV1;
    } catch {
      return paymentRequired("Invalid or malformed payment header");
    }
    const requirements = accepts.find((a) => a.scheme === payload.scheme && a.network === payload.network);
    if (!requirements) return paymentRequired("Unable to find matching payment requirements");
    // The facilitator client is typed for v2; on the wire it only forwards both objects.
    const wirePayload = payload as unknown as PaymentPayload;
    const wireRequirements = requirements as unknown as PaymentRequirements;
    try {
      const verified = await facilitator.verify(wirePayload, wireRequirements);
      if (!verified.isValid) return paymentRequired(verified.invalidReason ?? "invalid_payment", verified.payer);
    } catch (error) {
      return paymentRequired(error instanceof Error ? error.message : "verification failed");
    }

    stats.handled++;
    // A slow handler, as behind @x402/express: settlement follows even if the client has given up.
    if (opts.delayMs) await sleep(opts.delayMs);
    const settled: SettleResponse = await facilitator.settle(wirePayload, wireRequirements).catch((error: unknown) => ({
      success: false,
      errorReason: error instanceof Error ? error.message : String(error),
      transaction: "",
      network: wireRequirements.network,
    }));
    if (!settled.success) return paymentRequired(settled.errorReason ?? "settlement failed", settled.payer);
    stats.settled++;
    if (opts.misbehave === "drop-after-settle") return void req.socket.destroy();
    await serveResource(route, res, {
      "x-payment-response": encodePaymentResponseHeader(settled),
      "access-control-expose-headers": "X-PAYMENT-RESPONSE",
    });
  }

  async function serveFree(route: Route<V1RouteOptions>, res: ServerResponse) {
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

/** The v1 `accepts` of a route, with `resource` set to the URL that was requested. */
function quoteOf(
  server: StartV1ServerOptions,
  route: V1RouteOptions,
  resource: string,
  method: string,
): V1Requirements[] {
  if (route.misbehave === "no-accepts") return [];
  const requirement: V1Requirements = {
    scheme: "exact",
    network: server.network,
    maxAmountRequired: String(route.price ?? 10_000n),
    resource,
    description: route.description ?? "",
    mimeType: "application/json",
    // The shape x402-express 1.x sends.
    outputSchema: { input: { type: "http", method, discoverable: true } },
    payTo: route.payTo ?? server.payTo,
    maxTimeoutSeconds: route.maxTimeoutSeconds ?? 60,
    asset: server.usdc.address,
    extra: { name: server.usdc.name, version: server.usdc.version },
  };
  return route.accepts ? route.accepts.map((override) => ({ ...requirement, ...override })) : [requirement];
}
