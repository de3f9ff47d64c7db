import { describe, expect, test } from "vitest";
import { dropCredentialHeaders, stripRequestHeaders, stripResponseHeaders } from "../../src/upstream/headers.js";

describe("stripResponseHeaders", () => {
  test("default: keeps ordinary headers as a plain record", () => {
    const headers = new Headers({ "content-type": "text/html", etag: '"v1"', "x-ratelimit-remaining": "9" });
    expect(stripResponseHeaders(headers)).toEqual({
      "content-type": "text/html",
      etag: '"v1"',
      "x-ratelimit-remaining": "9",
    });
  });

  test("behavior: removes cookies, hop-by-hop headers and names listed in Connection", () => {
    const headers = new Headers([
      ["set-cookie", "a=1"],
      ["set-cookie", "b=2"],
      ["set-cookie2", "c=3"],
      ["connection", "keep-alive, X-Hop"],
      ["x-hop", "1"],
      ["keep-alive", "timeout=5"],
      ["transfer-encoding", "chunked"],
      ["proxy-authenticate", "Basic"],
      ["upgrade", "h2c"],
      ["content-type", "application/json"],
    ]);
    expect(stripResponseHeaders(headers)).toEqual({ "content-type": "application/json" });
  });
});

describe("stripRequestHeaders", () => {
  test("behavior: removes hop-by-hop headers and Connection-listed names, keeps the rest", () => {
    const out = stripRequestHeaders(
      new Headers({ connection: "x-one", "x-one": "1", host: "evil", "content-length": "9", accept: "*/*" }),
    );
    expect([...out]).toEqual([["accept", "*/*"]]);
  });

  test("behavior: adds the user agent only when none was given", () => {
    expect(stripRequestHeaders(new Headers(), "pag0/1").get("user-agent")).toBe("pag0/1");
    expect(stripRequestHeaders(new Headers({ "user-agent": "mine" }), "pag0/1").get("user-agent")).toBe("mine");
  });
});

describe("dropCredentialHeaders", () => {
  test("behavior: drops the fixed list, declared names and credential-looking names", () => {
    const headers = new Headers({
      authorization: "Bearer x",
      cookie: "s=1",
      "payment-signature": "sig",
      "x-payment": "sig1",
      "x-api-key": "k",
      "x-auth-token": "t",
      "x-custom-license": "declared",
      accept: "application/json",
      "idempotency-key": "retry-1",
    });
    dropCredentialHeaders(headers, ["X-Custom-License"]);
    expect(Object.fromEntries(headers)).toEqual({ accept: "application/json", "idempotency-key": "retry-1" });
  });
});
