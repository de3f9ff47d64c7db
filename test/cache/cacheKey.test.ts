import { describe, expect, test } from "vitest";
import { baseKey, type KeyedRequest, variantKey } from "../../src/cache/cacheKey.js";

const req = (overrides: Partial<Omit<KeyedRequest, "url">> & { url?: string } = {}): KeyedRequest => ({
  method: overrides.method ?? "GET",
  url: new URL(overrides.url ?? "https://api.example.com/v1/data?b=2&a=1"),
  headers: overrides.headers ?? {},
  body: overrides.body,
});

const key = (r: KeyedRequest, principal = "alice") => baseKey("p:", { principal }, r);

describe("baseKey", () => {
  test("default: a prefixed sha256; nothing of the request in clear", () => {
    const k = key(req({ headers: { authorization: "Bearer sk_live_123" } }));
    expect(k).toMatch(/^p:[0-9a-f]{64}$/);
    expect(k).not.toContain("sk_live_123");
  });

  test("behavior: the same request in another spelling is the same key", () => {
    expect(key(req({ url: "HTTPS://API.example.com:443/v1/data?a=1&b=2#frag" }))).toBe(key(req()));
    expect(key(req({ method: "get" }))).toBe(key(req()));
    expect(key(req({ headers: { Authorization: "x" } }))).toBe(key(req({ headers: { authorization: "x" } })));
    // headers that carry no credential do not split entries (Vary does that)
    expect(key(req({ headers: { accept: "text/plain", "x-trace": "1" } }))).toBe(key(req()));
  });

  test("behavior: principal, method, URL, body, content type and every credential split entries", () => {
    const base = key(req());
    const different = [
      key(req(), "bob"),
      baseKey("p:", "shared", req()),
      key(req({ method: "HEAD" })),
      key(req({ url: "https://api.example.com/v1/data?a=1&b=3" })),
      key(req({ body: "{}" })),
      key(req({ body: "{}", headers: { "content-type": "application/json" } })),
      key(req({ headers: { authorization: "Bearer a" } })),
      key(req({ headers: { authorization: "Bearer b" } })),
      key(req({ headers: { cookie: "s=1" } })),
      key(req({ headers: { "x-api-key": "k1" } })),
    ];
    expect(new Set([base, ...different]).size).toBe(different.length + 1);
  });
});

describe("variantKey", () => {
  test("default: the values of the varying headers pick the variant", () => {
    const json = variantKey("p:x", ["accept"], { accept: "application/json", "x-other": "1" });
    expect(json).toBe(variantKey("p:x", ["accept"], { accept: "application/json" }));
    expect(json).not.toBe(variantKey("p:x", ["accept"], { accept: "text/csv" }));
    expect(json).not.toBe(variantKey("p:x", ["accept"], {}));
    expect(json.startsWith("p:x:")).toBe(true);
  });
});
