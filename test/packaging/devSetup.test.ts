import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/config/loadConfig.js";
import { ENV_NAMES } from "../../src/config/schema.js";

/** `# NAME=value` and `NAME=value` lines of .env.example, in order. */
const documented = readFileSync(".env.example", "utf8")
  .split("\n")
  .map((line) => /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
  .filter((m): m is RegExpExecArray => m !== null)
  .map(([, name, value]) => ({ name: name as string, value: (value as string).trim() }));

describe(".env.example", () => {
  test("default: lists every variable the config schema reads, once, and nothing else", () => {
    const names = documented.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual([...Object.keys(ENV_NAMES), "PAG0_CONFIG"].sort());
  });

  test("behavior: every default it shows is the real default", () => {
    const defaults = loadConfig({});
    for (const { name, value } of documented.filter((d) => d.value !== "")) {
      expect(loadConfig({ [name]: value }), name).toEqual(defaults);
    }
  });
});

describe("docker-compose.yml", () => {
  const compose = parse(readFileSync("docker-compose.yml", "utf8"));

  test("default: Postgres 15 and Redis 7 on their usual ports, bound to 127.0.0.1", () => {
    expect(compose.services.postgres.image).toBe("postgres:15");
    expect(compose.services.redis.image).toBe("redis:7");
    expect(compose.services.postgres.ports).toEqual(["127.0.0.1:5432:5432"]);
    expect(compose.services.redis.ports).toEqual(["127.0.0.1:6379:6379"]);
  });

  test("behavior: the DATABASE_URL it documents names its database, user and password", () => {
    const env = compose.services.postgres.environment;
    const url = `postgres://${env.POSTGRES_USER}:${env.POSTGRES_PASSWORD}@127.0.0.1:5432/${env.POSTGRES_DB}`;
    expect(readFileSync("docker-compose.yml", "utf8")).toContain(`DATABASE_URL=${url}`);
    expect(loadConfig({ DATABASE_URL: url, REDIS_URL: "redis://127.0.0.1:6379" })).toMatchObject({
      ledger: { kind: "postgres", url },
      cache: { store: { kind: "redis" } },
    });
  });
});
