import type { LookupAddress } from "node:dns";
import { fetch } from "undici";
import { afterEach, describe, expect, test } from "vitest";
import { isPag0Error } from "../../src/errors.js";
import { createSafeDispatcher, type SafeDispatcherOptions } from "../../src/upstream/safeDispatcher.js";
import { type RecordingServer, recordingServer } from "./recordingServer.js";
import { countSocketsDuring } from "./socketCounter.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function server(...args: Parameters<typeof recordingServer>): Promise<RecordingServer> {
  const s = await recordingServer(...args);
  cleanups.push(() => s.close());
  return s;
}

function dispatcher(options: SafeDispatcherOptions) {
  const d = createSafeDispatcher(options);
  cleanups.push(() => d.close());
  return d;
}

/** A resolver that answers from a table and counts its calls. */
function table(answers: Record<string, string[]>) {
  const calls: string[] = [];
  const lookup = async (host: string): Promise<LookupAddress[]> => {
    calls.push(host);
    return (answers[host] ?? []).map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return { lookup, calls };
}

/** undici's fetch wraps connector errors as TypeError("fetch failed", { cause }). */
async function refusal(url: string, options: SafeDispatcherOptions) {
  const error = await fetch(url, { dispatcher: dispatcher(options) }).then(
    () => undefined,
    (e: unknown) => (e as { cause?: unknown }).cause,
  );
  if (!isPag0Error(error)) throw new Error(`expected a Pag0Error cause, got ${String(error)}`, { cause: error });
  return error;
}

describe("createSafeDispatcher", () => {
  test("default: a name whose addresses pass the check is resolved once and connected to", async () => {
    // allowAddress stands in for "public" so that nothing leaves this machine.
    const s = await server((_req, res) => res.end("ok"));
    const { lookup, calls } = table({ "api.test": ["127.0.0.1"] });
    const d = dispatcher({ allowPrivate: false, lookup, allowAddress: (address) => address === "127.0.0.1" });
    const res = await fetch(`http://api.test:${s.port}/`, { dispatcher: d });
    expect(await res.text()).toBe("ok");
    expect(calls).toEqual(["api.test"]);
  });

  test("behavior: IP literals never reach lookup, so they are checked before connecting", async () => {
    const s = await server();
    const { lookup, calls } = table({});
    const allowed = await fetch(`http://127.0.0.1:${s.port}/`, {
      dispatcher: dispatcher({ allowPrivate: true, lookup }),
    });
    expect(allowed.status).toBe(200);
    await allowed.text();
    const { sockets, result: refused } = await countSocketsDuring(() =>
      refusal(`http://127.0.0.1:${s.port}/`, { allowPrivate: false, lookup }),
    );
    expect(refused.code).toBe("URL_NOT_ALLOWED");
    expect(sockets).toBe(0);
    expect(calls).toEqual([]);
    expect(s.requests).toHaveLength(1);
  });

  test("behavior: an injected resolver mapping rebind.test to loopback is refused", async () => {
    const s = await server();
    const { lookup } = table({ "rebind.test": ["127.0.0.1"] });
    const error = await refusal(`http://rebind.test:${s.port}/`, { allowPrivate: false, lookup });
    expect(error.code).toBe("URL_NOT_ALLOWED");
    expect(error.details).toEqual({ host: "rebind.test", address: "127.0.0.1" });
    expect(s.requests).toHaveLength(0);
  });

  test("behavior: localhost through the system resolver is refused", async () => {
    const s = await server();
    const error = await refusal(`http://localhost:${s.port}/`, { allowPrivate: false });
    expect(error.code).toBe("URL_NOT_ALLOWED");
    expect(["127.0.0.1", "::1"]).toContain(error.details.address);
    expect(s.requests).toHaveLength(0);
  });

  test("behavior: one private answer among public ones refuses the whole name", async () => {
    // Filtering would connect to 8.8.8.8 instead; refusing keeps a rebinding name from ever being used.
    const { lookup } = table({ "mixed.test": ["8.8.8.8", "2606:4700::1111", "10.1.2.3"] });
    const error = await refusal("http://mixed.test/", { allowPrivate: false, lookup });
    expect(error.details).toEqual({ host: "mixed.test", address: "10.1.2.3" });
  });

  test("behavior: every new connection is checked, so a name that rebinds is refused on the next one", async () => {
    const s = await server((_req, res) => {
      res.setHeader("connection", "close"); // force a new connection per request
      res.end("ok");
    });
    const answers = ["127.0.0.1", "10.0.0.1"];
    let call = 0;
    const lookup = async (): Promise<LookupAddress[]> => [{ address: answers[Math.min(call++, 1)]!, family: 4 }];
    const d = dispatcher({
      allowPrivate: false,
      lookup,
      allowAddress: (address, host) => host === "rebind.test" && address === "127.0.0.1",
    });
    const first = await fetch(`http://rebind.test:${s.port}/`, { dispatcher: d });
    expect(await first.text()).toBe("ok");
    const second = await fetch(`http://rebind.test:${s.port}/`, { dispatcher: d }).catch(
      (e: { cause?: unknown }) => e.cause,
    );
    expect(second).toMatchObject({ code: "URL_NOT_ALLOWED", details: { host: "rebind.test", address: "10.0.0.1" } });
    expect(call).toBe(2);
    expect(s.requests).toHaveLength(1);
  });

  test("behavior: allowPrivate admits private answers from the resolver", async () => {
    const s = await server((_req, res) => res.end("internal"));
    const { lookup } = table({ "internal.test": ["127.0.0.1"] });
    const res = await fetch(`http://internal.test:${s.port}/`, {
      dispatcher: dispatcher({ allowPrivate: true, lookup }),
    });
    expect(await res.text()).toBe("internal");
  });

  test("behavior: a name with no addresses fails as ENOTFOUND", async () => {
    const { lookup } = table({});
    const error = await fetch("http://nowhere.test/", {
      dispatcher: dispatcher({ allowPrivate: false, lookup }),
    }).catch((e: { cause?: unknown }) => e.cause);
    expect(error).toMatchObject({ code: "ENOTFOUND" });
  });
});
