import { describe, expect, test } from "vitest";
import { checkHost, hostMatches } from "../../src/policy/hostRules.js";

describe("hostMatches", () => {
  test("default: exact hosts match case-insensitively", () => {
    expect(hostMatches("api.example.com", "API.example.com")).toBe(true);
    expect(hostMatches("api.example.com", "example.com")).toBe(false);
  });

  test("behavior: *.example.com matches subdomains at any depth but not the apex or look-alikes", () => {
    expect(hostMatches("*.example.com", "a.example.com")).toBe(true);
    expect(hostMatches("*.example.com", "a.b.example.com")).toBe(true);
    expect(hostMatches("*.example.com", "example.com")).toBe(false);
    expect(hostMatches("*.example.com", "badexample.com")).toBe(false);
    expect(hostMatches("*.example.com", "example.com.evil.net")).toBe(false);
  });

  test("behavior: a trailing dot does not dodge a rule", () => {
    expect(hostMatches("api.example.com", "api.example.com.")).toBe(true);
  });
});

describe("checkHost", () => {
  test("default: empty lists allow any host", () => {
    expect(checkHost("anything.test", { allowedHosts: [], blockedHosts: [] })).toBeNull();
  });

  test("behavior: a blocked host is refused even when it is also allowed", () => {
    const d = checkHost("evil.example.com", { allowedHosts: ["*.example.com"], blockedHosts: ["evil.example.com"] });
    expect(d?.code).toBe("HOST_BLOCKED");
  });

  test("behavior: a host outside a non-empty allow list is refused with the list in details", () => {
    const d = checkHost("other.net", { allowedHosts: ["*.example.com"], blockedHosts: [] });
    expect(d?.code).toBe("HOST_NOT_ALLOWED");
    expect(d?.details).toMatchObject({ host: "other.net", allowedHosts: ["*.example.com"] });
    expect(checkHost("api.example.com", { allowedHosts: ["*.example.com"], blockedHosts: [] })).toBeNull();
  });
});
