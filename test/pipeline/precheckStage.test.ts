import { describe, expect, test } from "vitest";
import { deny } from "../../src/denial.js";
import { precheckStage } from "../../src/pipeline/precheckStage.js";
import { testCallContext } from "../support/callContext.js";

const stage = precheckStage({ allowedHosts: [], blockedHosts: ["blocked.example.com"] });
const onward = deny("INTERNAL", "the next stage ran");
const run = (url: string) => stage(testCallContext(url), async () => onward);

describe("precheckStage", () => {
  test("default: an http(s) URL to an allowed host goes on to the next stage", async () => {
    expect(await run("https://api.example.com/data")).toBe(onward);
  });

  test("behavior: other schemes, embedded credentials and blocked hosts stop here", async () => {
    expect(await run("file:///etc/passwd")).toMatchObject({ code: "URL_NOT_ALLOWED", details: { scheme: "file" } });
    expect(await run("https://user:pw@api.example.com/")).toMatchObject({ code: "URL_NOT_ALLOWED" });
    expect(await run("https://blocked.example.com/")).toMatchObject({ code: "HOST_BLOCKED" });
  });
});
