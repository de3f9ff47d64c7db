import { describe, expect, test } from "vitest";
import { type CachePolicy, parseCacheControl, planRequest, planStore } from "../../src/cache/cachePolicy.js";

const NOW = Date.parse("2026-11-26T12:00:00Z");

const policy = (overrides: Partial<CachePolicy> = {}): CachePolicy => ({
  defaultTtlSeconds: 60,
  maxTtlSeconds: 86_400,
  maxEntryBytes: 1_000,
  sharedPublic: false,
  rules: [],
  ...overrides,
});

const request = (overrides: { method?: string; url?: string; headers?: Record<string, string> } = {}) => ({
  method: overrides.method ?? "GET",
  url: new URL(overrides.url ?? "https://api.example.com/data"),
  headers: overrides.headers ?? {},
});

const response = (headers: Record<string, string> = {}, overrides: Partial<Parameters<typeof planStore>[0]> = {}) => ({
  status: 200,
  headers,
  body: new Uint8Array(100),
  truncated: false,
  ...overrides,
});

describe("planRequest", () => {
  test("default: GET and HEAD take part and may be answered from the cache", () => {
    expect(planRequest(request(), policy())).toEqual({ use: true, lookup: true, rule: undefined });
    expect(planRequest(request({ method: "HEAD" }), policy())).toMatchObject({ use: true, lookup: true });
  });

  test("behavior: other methods only when a host rule lists them", () => {
    expect(planRequest(request({ method: "POST" }), policy())).toEqual({ use: false });
    const rules = [{ host: "*.example.com", methods: ["POST"] }];
    expect(planRequest(request({ method: "POST" }), policy({ rules }))).toMatchObject({ use: true, lookup: true });
    expect(planRequest(request({ method: "DELETE" }), policy({ rules }))).toEqual({ use: false });
  });

  test("behavior: a host rule with ttlSeconds 0 keeps that host out of the cache", () => {
    const rules = [{ host: "api.example.com", ttlSeconds: 0 }];
    expect(planRequest(request(), policy({ rules }))).toEqual({ use: false });
    expect(planRequest(request({ url: "https://other.example.org/" }), policy({ rules })).use).toBe(true);
  });

  test("behavior: the request's own Cache-Control, Range and conditionals are honoured", () => {
    expect(planRequest(request({ headers: { "cache-control": "no-store" } }), policy())).toEqual({ use: false });
    expect(planRequest(request({ headers: { range: "bytes=0-10" } }), policy())).toEqual({ use: false });
    expect(planRequest(request({ headers: { "if-none-match": '"x"' } }), policy())).toEqual({ use: false });
    expect(planRequest(request({ headers: { "cache-control": "no-cache" } }), policy())).toMatchObject({
      use: true,
      lookup: false,
    });
    expect(planRequest(request({ headers: { "cache-control": "max-age=0" } }), policy())).toMatchObject({
      lookup: false,
    });
    expect(planRequest(request({ headers: { pragma: "no-cache" } }), policy())).toMatchObject({ lookup: false });
  });
});

describe("planStore", () => {
  test("default: a 200 without caching headers is kept for the default TTL, per principal", () => {
    expect(planStore(response(), undefined, policy(), NOW)).toEqual({
      store: true,
      scope: "principal",
      freshSeconds: 60,
      keepSeconds: 60,
      vary: [],
    });
  });

  test.each([
    ["no-store", response({ "cache-control": "no-store" }), "no_store"],
    ["a Set-Cookie response", response({}, { setsCookie: true }), "set_cookie"],
    ["a 500", response({}, { status: 500 }), "status"],
    ["a 206", response({}, { status: 206 }), "status"],
    ["a 201", response({}, { status: 201 }), "status"],
    ["a truncated body", response({}, { truncated: true }), "truncated"],
    ["a body over the cap", response({}, { body: new Uint8Array(1_001) }), "too_large"],
    ["Vary: *", response({ vary: "*" }), "vary_star"],
    ["max-age=0", response({ "cache-control": "max-age=0" }), "expired"],
    ["an Expires in the past", response({ expires: "Thu, 01 Jan 2026 00:00:00 GMT" }), "expired"],
    ["an invalid Expires", response({ expires: "0" }), "expired"],
    ["no-cache without a validator", response({ "cache-control": "no-cache" }), "expired"],
  ])("behavior: %s is not stored", (_name, r, reason) => {
    expect(planStore(r, undefined, policy(), NOW)).toEqual({ store: false, reason });
  });

  test("behavior: a body exactly at the cap is stored", () => {
    expect(planStore(response({}, { body: new Uint8Array(1_000) }), undefined, policy(), NOW).store).toBe(true);
  });

  test("behavior: max-age wins over Expires and the default; Age is subtracted; maxTtl caps", () => {
    const plan = (h: Record<string, string>, p = policy()) => planStore(response(h), undefined, p, NOW);
    expect(plan({ "cache-control": "max-age=300", expires: "Thu, 01 Jan 2026 00:00:00 GMT" })).toMatchObject({
      freshSeconds: 300,
    });
    expect(plan({ "cache-control": "max-age=300", age: "100" })).toMatchObject({ freshSeconds: 200 });
    expect(plan({ "cache-control": "max-age=999999" }, policy({ maxTtlSeconds: 3_600 }))).toMatchObject({
      freshSeconds: 3_600,
    });
    expect(plan({ date: "Thu, 26 Nov 2026 12:00:00 GMT", expires: "Thu, 26 Nov 2026 12:02:00 GMT" })).toMatchObject({
      freshSeconds: 120,
    });
  });

  test("behavior: a host rule's TTL replaces the default, never an explicit max-age", () => {
    const rule = { host: "api.example.com", ttlSeconds: 600 };
    expect(planStore(response(), rule, policy(), NOW)).toMatchObject({ freshSeconds: 600 });
    expect(planStore(response({ "cache-control": "max-age=5" }), rule, policy(), NOW)).toMatchObject({
      freshSeconds: 5,
    });
  });

  test("behavior: default TTL 0 caches only responses that state their freshness", () => {
    expect(planStore(response(), undefined, policy({ defaultTtlSeconds: 0 }), NOW)).toEqual({
      store: false,
      reason: "expired",
    });
    expect(
      planStore(response({ "cache-control": "max-age=30" }), undefined, policy({ defaultTtlSeconds: 0 }), NOW),
    ).toMatchObject({ store: true, freshSeconds: 30 });
  });

  test("behavior: shared only for public responses when the operator enables it; s-maxage then applies", () => {
    const pub = response({ "cache-control": "public, max-age=60, s-maxage=600" });
    expect(planStore(pub, undefined, policy(), NOW)).toMatchObject({ scope: "principal", freshSeconds: 60 });
    expect(planStore(pub, undefined, policy({ sharedPublic: true }), NOW)).toMatchObject({
      scope: "shared",
      freshSeconds: 600,
    });
    const priv = response({ "cache-control": "private, max-age=60" });
    expect(planStore(priv, undefined, policy({ sharedPublic: true }), NOW)).toMatchObject({ scope: "principal" });
    expect(planStore(response(), undefined, policy({ sharedPublic: true }), NOW)).toMatchObject({ scope: "principal" });
  });

  test("behavior: Vary names are kept, lowercased", () => {
    expect(planStore(response({ vary: "Accept, Accept-Language" }), undefined, policy(), NOW)).toMatchObject({
      vary: ["accept", "accept-language"],
    });
  });

  test("behavior: an entry with a validator is kept past its freshness, for revalidation", () => {
    expect(planStore(response({ etag: '"v1"', "cache-control": "no-cache" }), undefined, policy(), NOW)).toEqual({
      store: true,
      scope: "principal",
      freshSeconds: 0,
      keepSeconds: 60,
      vary: [],
    });
    expect(
      planStore(response({ etag: '"v1"', "cache-control": "max-age=120" }), undefined, policy(), NOW),
    ).toMatchObject({ freshSeconds: 120, keepSeconds: 240 });
  });
});

describe("parseCacheControl", () => {
  test("default: directives, lowercased, with unquoted values", () => {
    expect(parseCacheControl('Max-Age=60, PRIVATE, no-cache="set-cookie"')).toEqual(
      new Map([
        ["max-age", "60"],
        ["private", ""],
        ["no-cache", "set-cookie"],
      ]),
    );
    expect(parseCacheControl(undefined).size).toBe(0);
  });
});
