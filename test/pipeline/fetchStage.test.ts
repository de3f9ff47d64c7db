import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fetchStage } from "../../src/pipeline/fetchStage.js";
import { createUpstreamFetch } from "../../src/upstream/upstreamFetch.js";
import { testCallContext } from "../support/callContext.js";
import { type RecordingServer, recordingServer } from "../upstream/recordingServer.js";

// The terminal stage against real local HTTP servers, through the real upstream client.

let api: RecordingServer;
let other: RecordingServer;
const stage = fetchStage({
  fetch: createUpstreamFetch({ allowPrivate: true, maxResponseBytes: 1_000 }),
  maxResponseBytes: 1_000,
});
const run = (path: string, overrides: Parameters<typeof testCallContext>[1] = {}) =>
  stage(testCallContext(`${api.url}${path}`, overrides), () => Promise.reject(new Error("fetch is terminal")));

beforeAll(async () => {
  other = await recordingServer((_req, res) => res.end("elsewhere"));
  api = await recordingServer((req, res) => {
    if (req.url === "/402") res.writeHead(402, { "payment-required": "quote" }).end("{}");
    else if (req.url === "/here") res.writeHead(302, { location: "/free" }).end();
    else if (req.url === "/away") res.writeHead(302, { location: `${other.url}/x` }).end();
    else if (req.url === "/big") res.end("x".repeat(5_000));
    else res.end("free data");
  });
});
afterAll(async () => {
  await api.close();
  await other.close();
});

describe("fetchStage", () => {
  test("default: sends the agent's request as written and answers with what came back, unpaid", async () => {
    const out = await run("/free", {
      request: { method: "POST", url: new URL(`${api.url}/free`), headers: { "x-q": "1" }, body: "hello" },
    });

    expect(out).toMatchObject({ kind: "response", payment: null, spend: null, response: { status: 200 } });
    expect(out.kind === "response" && new TextDecoder().decode(out.response.body)).toBe("free data");
    expect(api.requests.at(-1)).toMatchObject({
      method: "POST",
      path: "/free",
      body: "hello",
      headers: { "x-q": "1" },
    });
  });

  test("behavior: a 402 is an answer like any other, with its payment header, for the quote stage above", async () => {
    const out = await run("/402");
    expect(out).toMatchObject({
      kind: "response",
      response: { status: 402, headers: { "payment-required": "quote" } },
    });
  });

  test("behavior: a redirect to another origin says who answered; one within the origin does not", async () => {
    const away = await run("/away");
    const here = await run("/here");

    expect(away.kind === "response" && away.response.answeredBy).toBe(new URL(other.url).origin);
    expect(here.kind === "response" && here.response.answeredBy).toBeUndefined();
  });

  test("behavior: a body past the cap is cut and marked truncated", async () => {
    const out = await run("/big");
    expect(out).toMatchObject({ kind: "response", response: { truncated: true } });
    expect(out.kind === "response" && out.response.body.length).toBe(1_000);
  });

  test("behavior: a cancelled call is not sent", async () => {
    const before = api.requests.length;
    const cancelled = new AbortController();
    cancelled.abort();
    await expect(run("/free", { signal: cancelled.signal })).rejects.toThrow();
    expect(api.requests.length).toBe(before);
  });
});
