import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createUpstreamFetch } from "../../src/upstream/upstreamFetch.js";
import { countSocketsDuring } from "./socketCounter.js";

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("upstreamFetch connections", () => {
  test("default: unpaid requests reuse a pooled connection", async () => {
    const fetch = createUpstreamFetch({ allowPrivate: true, maxResponseBytes: 1024 });
    const { sockets } = await countSocketsDuring(async () => {
      for (let i = 0; i < 5; i++) await (await fetch(url)).text();
    });
    expect(sockets).toBeLessThan(5);
    await fetch.close();
  });

  test("behavior: a request carrying a payment always opens a fresh connection", async () => {
    const fetch = createUpstreamFetch({ allowPrivate: true, maxResponseBytes: 1024 });
    await (await fetch(url)).text(); // a pooled connection exists now
    const { sockets } = await countSocketsDuring(async () => {
      for (let i = 0; i < 2; i++) {
        await (await fetch(url, { headers: { "PAYMENT-SIGNATURE": "e30=" } })).text();
        await (await fetch(url, { headers: { "X-PAYMENT": "e30=" } })).text();
      }
    });
    expect(sockets).toBe(4);
    await fetch.close();
  });
});
