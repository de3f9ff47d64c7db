import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { afterEach, describe, expect, test } from "vitest";
import { isPag0Error, type Pag0Error } from "../../src/errors.js";
import {
  createUpstreamFetch,
  readCappedBody,
  stripResponseHeaders,
  type UpstreamFetch,
  type UpstreamFetchOptions,
} from "../../src/upstream/upstreamFetch.js";
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

function upstream(overrides: Partial<UpstreamFetchOptions> = {}): UpstreamFetch {
  const f = createUpstreamFetch({ allowPrivate: true, maxResponseBytes: 1_000_000, ...overrides });
  cleanups.push(() => f.close());
  return f;
}

async function failure(promise: Promise<unknown>): Promise<Pag0Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isPag0Error(error)) throw new Error(`expected a Pag0Error, got ${String(error)}`, { cause: error });
  return error;
}

const text = async (res: Response) => new TextDecoder().decode((await readCappedBody(res, 1_000_000)).bytes);

const redirectTo =
  (location: string, status = 302) =>
  (_req: unknown, res: import("node:http").ServerResponse) => {
    res.writeHead(status, { location });
    res.end("moved");
  };

describe("createUpstreamFetch", () => {
  test("default: fetches an http URL and returns a global Response with url and status", async () => {
    const s = await server((_req, res) => res.end("hello"));
    const res = await upstream()(`${s.url}/path?q=1`);
    expect(res).toBeInstanceOf(Response);
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${s.url}/path?q=1`);
    expect(res.redirected).toBe(false);
    expect(await text(res)).toBe("hello");
  });

  test("behavior: accepts a global Request, as the x402 wrapper passes it", async () => {
    const s = await server((_req, res) => res.end("paid"));
    const request = new Request(`${s.url}/resource`, {
      method: "POST",
      body: "payload",
      headers: { "payment-signature": "sig-1", "content-type": "text/plain" },
    });
    const res = await upstream()(request);
    expect(await text(res)).toBe("paid");
    expect(s.requests[0]).toMatchObject({ method: "POST", path: "/resource", body: "payload" });
    expect(s.requests[0]?.headers["payment-signature"]).toBe("sig-1");
  });

  test("behavior: works under wrapFetchWithPayment (free response passes straight through)", async () => {
    const s = await server((_req, res) => res.end("free"));
    const paying = wrapFetchWithPayment(upstream(), new x402Client());
    const res = await paying(`${s.url}/free`, { headers: { accept: "text/plain" } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("free");
    expect(s.requests[0]?.headers.accept).toBe("text/plain");
  });

  test("behavior: sends userAgent unless the caller set one", async () => {
    const s = await server();
    const f = upstream({ userAgent: "pag0-test/1" });
    await text(await f(s.url));
    await text(await f(s.url, { headers: { "user-agent": "agent/2" } }));
    expect(s.requests.map((r) => r.headers["user-agent"])).toEqual(["pag0-test/1", "agent/2"]);
  });

  test("behavior: strips hop-by-hop request headers and recomputes content-length", async () => {
    const s = await server();
    const res = await upstream()(s.url, {
      method: "POST",
      body: "abc",
      headers: {
        connection: "x-listed-in-connection",
        "x-listed-in-connection": "1",
        "keep-alive": "timeout=99",
        te: "trailers",
        trailer: "x-t",
        upgrade: "websocket",
        host: "evil.example",
        "content-length": "999",
        "proxy-authorization": "Basic cHJveHk=",
        "x-keep": "yes",
      },
    });
    await text(res);
    const seen = s.requests[0]!;
    expect(seen.body).toBe("abc");
    expect(seen.headers["content-length"]).toBe("3");
    expect(seen.headers.host).toBe(`127.0.0.1:${s.port}`);
    expect(seen.headers["x-keep"]).toBe("yes");
    for (const name of ["x-listed-in-connection", "keep-alive", "te", "trailer", "upgrade", "proxy-authorization"]) {
      expect(seen.headers, name).not.toHaveProperty(name);
    }
  });

  test("behavior: HEAD and 204 responses have no body", async () => {
    const s = await server((req, res) => {
      res.writeHead(req.method === "HEAD" ? 200 : 204, { "content-type": "text/plain" });
      res.end();
    });
    const f = upstream();
    const head = await f(s.url, { method: "HEAD" });
    const empty = await f(s.url, { method: "DELETE" });
    expect([head.status, head.body]).toEqual([200, null]);
    expect([empty.status, empty.body]).toEqual([204, null]);
  });
});

describe("createUpstreamFetch URL checks", () => {
  test.each([
    "ftp://example.com/file",
    "file:///etc/passwd",
    "data:text/plain,hello",
    "ws://example.com/socket",
    "javascript:alert(1)",
  ])("behavior: refuses the non-http(s) URL %s", async (url) => {
    const error = await failure(upstream()(url));
    expect(error.code).toBe("URL_NOT_ALLOWED");
  });

  test("behavior: refuses userinfo in the URL without echoing the password", async () => {
    const s = await server();
    const error = await failure(upstream()(`http://user:s3cret-pw@127.0.0.1:${s.port}/`));
    expect(error.code).toBe("URL_NOT_ALLOWED");
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain("s3cret-pw");
    expect(s.requests).toHaveLength(0);
  });

  test("behavior: an unparsable URL is INVALID_INPUT", async () => {
    const error = await failure(upstream()("not a url"));
    expect(error.code).toBe("INVALID_INPUT");
  });

  test("behavior: loopback is refused with allowPrivate false and fetched with allowPrivate true", async () => {
    const s = await server((_req, res) => res.end("local"));
    const refused = await failure(upstream({ allowPrivate: false })(s.url));
    expect(refused.code).toBe("URL_NOT_ALLOWED");
    expect(refused.details).toEqual({ host: "127.0.0.1", address: "127.0.0.1" });
    expect(s.requests).toHaveLength(0);
    expect(await text(await upstream({ allowPrivate: true })(s.url))).toBe("local");
  });

  test.each([
    ["http://10.0.0.1/", "10.0.0.1"],
    ["http://169.254.169.254/latest/meta-data", "169.254.169.254"],
    ["http://[::1]/", "::1"],
    ["http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"],
    ["http://[fd00:ec2::254]/latest/meta-data", "fd00:ec2::254"],
    ["http://0x7f000001/", "127.0.0.1"],
  ])("behavior: the literal address in %s is refused without opening a socket", async (url, address) => {
    // Nothing listens at these addresses: a dial would hang until the connect timeout, not fail fast.
    const { sockets, result: error } = await countSocketsDuring(() => failure(upstream({ allowPrivate: false })(url)));
    expect(error.code).toBe("URL_NOT_ALLOWED");
    expect(error.details).toEqual({ host: address, address });
    expect(sockets).toBe(0);
  });

  test("behavior: a connection refused is UPSTREAM_ERROR with the cause kept", async () => {
    const s = await recordingServer();
    await s.close(); // the port is now closed: nothing listens
    const error = await failure(upstream()(s.url));
    expect(error.code).toBe("UPSTREAM_ERROR");
    expect(error.details).toMatchObject({ host: "127.0.0.1", reason: "ECONNREFUSED" });
    expect(error.cause).toBeInstanceOf(Error);
  });
});

describe("createUpstreamFetch redirects", () => {
  test("behavior: follows a redirect and reports the final URL", async () => {
    const b = await server((_req, res) => res.end("landed"));
    const a = await server(redirectTo(`${b.url}/landing`));
    const res = await upstream()(`${a.url}/start`);
    expect(await text(res)).toBe("landed");
    expect(res.url).toBe(`${b.url}/landing`);
    expect(res.redirected).toBe(true);
  });

  test("behavior: drops credentials on a cross-origin redirect", async () => {
    const b = await server();
    const a = await server(redirectTo(`${b.url}/other-origin`));
    const credentials = {
      authorization: "Bearer secret-token",
      cookie: "session=abc",
      "payment-signature": "sig",
      "x-payment": "v1-sig",
      "x-api-key": "k-123",
      "x-vendor-secret": "declared",
    };
    const f = upstream({ credentialHeaders: ["X-Vendor-Secret"] });
    await text(await f(`${a.url}/start`, { headers: { ...credentials, "x-trace": "keep-me" } }));

    expect(a.requests[0]?.headers).toMatchObject(credentials);
    const atB = b.requests[0]!.headers;
    for (const name of Object.keys(credentials)) expect(atB, name).not.toHaveProperty(name);
    expect(atB["x-trace"]).toBe("keep-me");
  });

  test("behavior: keeps credentials on a same-origin redirect", async () => {
    const a = await server((req, res) => (req.url === "/start" ? redirectTo("/same")(req, res) : res.end("ok")));
    await text(await upstream()(`${a.url}/start`, { headers: { authorization: "Bearer t" } }));
    expect(a.requests.map((r) => [r.path, r.headers.authorization])).toEqual([
      ["/start", "Bearer t"],
      ["/same", "Bearer t"],
    ]);
  });

  test("behavior: 303 turns a POST into a GET without body or content headers", async () => {
    const b = await server();
    const a = await server(redirectTo(`${b.url}/see-other`, 303));
    await text(
      await upstream()(a.url, { method: "POST", body: '{"a":1}', headers: { "content-type": "application/json" } }),
    );
    expect(b.requests[0]).toMatchObject({ method: "GET", body: "" });
    expect(b.requests[0]?.headers).not.toHaveProperty("content-type");
  });

  test("behavior: 302 turns a POST into a GET", async () => {
    const b = await server();
    const a = await server(redirectTo(b.url, 302));
    await text(await upstream()(a.url, { method: "POST", body: "x" }));
    expect(b.requests[0]).toMatchObject({ method: "GET", body: "" });
  });

  test("behavior: 307 keeps the method and the body", async () => {
    const b = await server();
    const a = await server(redirectTo(b.url, 307));
    await text(
      await upstream()(a.url, { method: "POST", body: "same-body", headers: { "content-type": "text/plain" } }),
    );
    expect(b.requests[0]).toMatchObject({ method: "POST", body: "same-body" });
    expect(b.requests[0]?.headers["content-type"]).toBe("text/plain");
  });

  test.each(["file:///etc/passwd", "ftp://example.com/", "gopher://127.0.0.1:6379/_INFO"])(
    "behavior: a redirect to %s is URL_NOT_ALLOWED",
    async (location) => {
      const a = await server(redirectTo(location));
      const error = await failure(upstream()(a.url));
      expect(error.code).toBe("URL_NOT_ALLOWED");
    },
  );

  test("behavior: stops after maxRedirects with UPSTREAM_ERROR", async () => {
    const a = await server(redirectTo("/again"));
    const error = await failure(upstream({ maxRedirects: 3 })(a.url));
    expect(error.code).toBe("UPSTREAM_ERROR");
    expect(a.requests).toHaveLength(4);
  });

  test("behavior: redirect 'manual' returns the 3xx itself, redirect 'error' fails", async () => {
    const a = await server(redirectTo("/elsewhere"));
    const manual = await upstream()(a.url, { redirect: "manual" });
    expect([manual.status, manual.headers.get("location")]).toEqual([302, "/elsewhere"]);
    const error = await failure(upstream()(a.url, { redirect: "error" }));
    expect(error.code).toBe("UPSTREAM_ERROR");
    expect(a.requests.map((r) => r.path)).toEqual(["/", "/"]);
  });
});

describe("createUpstreamFetch SSRF on redirect", () => {
  // The first server must count as public while the second is refused, yet both can only run on
  // 127.0.0.1 here. The resolver maps public.test to 127.0.0.1 and the operator-style
  // `allowAddress` exception admits exactly that name at that address; every other private target
  // is judged by the production rule (allowPrivate is false).
  const publicOnly = (overrides: Partial<UpstreamFetchOptions> = {}) =>
    upstream({
      allowPrivate: false,
      lookup: async (host) =>
        host === "public.test" || host === "rebind.test" ? [{ address: "127.0.0.1", family: 4 }] : [],
      allowAddress: (address, host) => host === "public.test" && address === "127.0.0.1",
      ...overrides,
    });

  test("default: the allowed server itself is reachable", async () => {
    const a = await server((_req, res) => res.end("public"));
    expect(await text(await publicOnly()(`http://public.test:${a.port}/`))).toBe("public");
  });

  test.each([
    ["a literal loopback address", (port: number) => `http://127.0.0.1:${port}/internal`, "127.0.0.1"],
    ["a name that resolves to loopback", (port: number) => `http://rebind.test:${port}/internal`, "rebind.test"],
  ])("behavior: a redirect to %s is refused before connecting", async (_name, target, host) => {
    const internal = await server((_req, res) => res.end("internal secrets"));
    const a = await server(redirectTo(target(internal.port)));
    const error = await failure(publicOnly()(`http://public.test:${a.port}/`));
    expect(error.code).toBe("URL_NOT_ALLOWED");
    expect(error.details).toEqual({ host, address: "127.0.0.1" });
    expect(a.requests).toHaveLength(1);
    expect(internal.requests).toHaveLength(0);
  });

  test("behavior: a redirect to the metadata address is refused", async () => {
    const a = await server(redirectTo("http://169.254.169.254/latest/meta-data/iam/security-credentials/"));
    const error = await failure(publicOnly()(`http://public.test:${a.port}/`));
    expect(error.code).toBe("URL_NOT_ALLOWED");
    expect(error.details).toEqual({ host: "169.254.169.254", address: "169.254.169.254" });
  });
});

describe("createUpstreamFetch timeouts and aborts", () => {
  test("behavior: no response headers within timeoutMs is UPSTREAM_TIMEOUT", async () => {
    const s = await server(() => {}); // receives the request, never answers
    const error = await failure(upstream({ timeoutMs: 200 })(s.url));
    expect(error.code).toBe("UPSTREAM_TIMEOUT");
    expect(s.requests).toHaveLength(1);
  });

  test("behavior: a body that stalls past timeoutMs fails the read with UPSTREAM_TIMEOUT", async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first part, then silence");
    });
    const res = await upstream({ timeoutMs: 300 })(s.url);
    expect(res.status).toBe(200);
    const error = await failure(readCappedBody(res, 1_000_000));
    expect(error.code).toBe("UPSTREAM_TIMEOUT");
  });

  test("behavior: the caller's abort propagates as is, not as an upstream error", async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const s = await server(() => arrived());
    const controller = new AbortController();
    const pending = upstream()(s.url, { signal: controller.signal });
    await requestArrived;
    const reason = new Error("caller gave up");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  test("behavior: an already aborted signal fails before any request", async () => {
    const s = await server();
    const error = await upstream()(s.url, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "AbortError" });
    expect(isPag0Error(error)).toBe(false);
    expect(s.requests).toHaveLength(0);
  });

  test("behavior: a connection dropped mid-body is UPSTREAM_ERROR", async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write("only part of it", () => res.socket?.destroy());
    });
    const res = await upstream()(s.url);
    const error = await failure(readCappedBody(res, 1_000_000));
    expect(error.code).toBe("UPSTREAM_ERROR");
  });
});

describe("stripResponseHeaders on a real response", () => {
  test("behavior: the returned headers keep content headers and lose set-cookie", async () => {
    const s = await server((_req, res) => {
      res.setHeader("set-cookie", ["session=abc; HttpOnly", "tracking=1"]);
      res.setHeader("content-type", "application/json");
      res.end("{}");
    });
    const res = await upstream()(s.url);
    expect(res.headers.getSetCookie()).toEqual(["session=abc; HttpOnly", "tracking=1"]);
    const safe = stripResponseHeaders(res.headers);
    expect(safe["content-type"]).toBe("application/json");
    expect(safe).not.toHaveProperty("set-cookie");
    expect(safe).not.toHaveProperty("connection");
    expect(safe).not.toHaveProperty("keep-alive");
  });
});
