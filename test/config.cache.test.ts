import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../src/config/loadConfig.js";
import { configProblems } from "./support/configProblems.js";

describe("loadConfig: the paid-response cache", () => {
  test("default: on, in memory, 60 s default TTL, per-principal entries", () => {
    expect(loadConfig({}).cache).toEqual({
      enabled: true,
      store: { kind: "memory", maxBytes: 64 * 1024 * 1024 },
      defaultTtlSeconds: 60,
      maxTtlSeconds: 86_400,
      maxEntryBytes: 512 * 1024,
      sharedPublic: false,
      rules: [],
      keyPrefix: "pag0:cache:",
      timeoutMs: 250,
    });
  });

  test("behavior: REDIS_URL picks the store by scheme", () => {
    expect(loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" }).cache.store).toEqual({
      kind: "redis",
      url: "redis://127.0.0.1:6379",
    });
    expect(loadConfig({ REDIS_URL: "rediss://default:tok@eu1-x.upstash.io:6379" }).cache.store.kind).toBe("redis");
    expect(loadConfig({ REDIS_URL: "https://eu1-x.upstash.io", REDIS_TOKEN: "tok" }).cache.store).toEqual({
      kind: "upstash",
      url: "https://eu1-x.upstash.io",
      token: "tok",
    });
  });

  test("behavior: UPSTASH_REDIS_REST_URL/_TOKEN are accepted; REDIS_URL wins over them", () => {
    const upstash = { UPSTASH_REDIS_REST_URL: "https://eu1-x.upstash.io", UPSTASH_REDIS_REST_TOKEN: "tok" };
    expect(loadConfig(upstash).cache.store).toMatchObject({ kind: "upstash", token: "tok" });
    expect(loadConfig({ ...upstash, REDIS_URL: "redis://127.0.0.1:6379" }).cache.store.kind).toBe("redis");
  });

  test("behavior: a bad store is refused without quoting its URL or token", () => {
    expect(configProblems({ REDIS_URL: "https://eu1-x.upstash.io" })).toEqual([
      "REDIS_TOKEN: required with an https:// REDIS_URL (Upstash REST)",
    ]);
    expect(configProblems({ UPSTASH_REDIS_REST_URL: "https://eu1-x.upstash.io" })).toEqual([
      "UPSTASH_REDIS_REST_TOKEN: required with an https:// UPSTASH_REDIS_REST_URL (Upstash REST)",
    ]);
    const wrong = configProblems({
      REDIS_URL: "memcached://user:hunter2-secret@cache:11211",
      REDIS_TOKEN: "tok-secret",
    });
    expect(wrong).toHaveLength(1);
    expect(wrong[0]).toMatch(/^REDIS_URL: must be redis:\/\//);
    expect(wrong.join()).not.toMatch(/hunter2|tok-secret/);
    // a token never crosses a network in clear: plain http only to this machine (a local REST bridge)
    expect(configProblems({ REDIS_URL: "http://cache.example.com", REDIS_TOKEN: "t" })).toHaveLength(1);
    expect(loadConfig({ REDIS_URL: "http://127.0.0.1:8079", REDIS_TOKEN: "t" }).cache.store.kind).toBe("upstash");
  });

  test("behavior: settings from the environment, host rules from the config file", () => {
    const dir = mkdtempSync(join(tmpdir(), "pag0-config-"));
    const file = join(dir, "pag0.json");
    writeFileSync(file, JSON.stringify({ cacheRules: [{ host: "*.Search.dev", ttlSeconds: 300, methods: ["POST"] }] }));
    const c = loadConfig({
      PAG0_CONFIG: file,
      PAG0_CACHE: "false",
      PAG0_CACHE_DEFAULT_TTL_SECONDS: "0",
      PAG0_CACHE_MAX_ENTRY_BYTES: "1024",
      PAG0_CACHE_SHARED_PUBLIC: "true",
      PAG0_CACHE_TIMEOUT_MS: "100",
    }).cache;
    expect(c).toMatchObject({
      enabled: false,
      defaultTtlSeconds: 0,
      maxEntryBytes: 1024,
      sharedPublic: true,
      timeoutMs: 100,
      rules: [{ host: "*.search.dev", ttlSeconds: 300, methods: ["POST"] }],
    });
    writeFileSync(file, JSON.stringify({ cacheRules: [{ host: "x.dev", methods: ["TRACE"] }] }));
    expect(configProblems({ PAG0_CONFIG: file })).toHaveLength(1);
  });
});
