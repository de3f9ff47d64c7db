import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../src/config/loadConfig.js";
import { toAtomic } from "../../src/money.js";
import { SERVER_INFO } from "../../src/server/createMcpServer.js";
import { getBudget } from "../../src/tools/getBudget.js";
import { listSpend } from "../../src/tools/listSpend.js";
import { paidFetch } from "../../src/tools/paidFetch.js";

const execFileAsync = promisify(execFile);
const MCPB = "@anthropic-ai/mcpb@2.1.2";
const manifest = JSON.parse(readFileSync("manifest.json", "utf8"));
const pkg = JSON.parse(readFileSync("package.json", "utf8"));

async function mcpbValidate(path: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await execFileAsync("npx", ["-y", MCPB, "validate", path], { timeout: 240_000 });
    return { code: 0, output: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : -1, output: `${err.stdout}${err.stderr}` };
  }
}

/**
 * What a host does with `mcp_config.env` (mcpb's getMcpConfigForManifest): defaults overlaid by what the user
 * entered, then `${user_config.key}` replaced by String(value). A variable without a value stays literal.
 */
function hostEnv(userConfig: Record<string, unknown>): Record<string, string> {
  const values = {
    ...Object.fromEntries(Object.entries(manifest.user_config).map(([k, o]: [string, any]) => [k, o.default])),
    ...userConfig,
  };
  return Object.fromEntries(
    Object.entries(manifest.server.mcp_config.env as Record<string, string>).map(([name, template]) => [
      name,
      template.replace(/\$\{user_config\.([^}]+)\}/g, (whole, key) =>
        values[key] === undefined ? whole : String(values[key]),
      ),
    ]),
  );
}

describe("manifest.json (MCP Bundle)", () => {
  test("default: `mcpb validate` passes (needs the npm registry: npx -y @anthropic-ai/mcpb@2.1.2)", async () => {
    const { code, output } = await mcpbValidate("manifest.json");
    expect(output).toContain("Manifest schema validation passes");
    expect(code).toBe(0);
  }, 300_000);

  test("behavior: a broken copy fails `mcpb validate` (needs the npm registry)", async () => {
    const broken = structuredClone(manifest);
    delete broken.author;
    broken.server.type = "deno";
    broken.user_config.wallet_private_key.secret = true;
    const path = join(mkdtempSync(join(tmpdir(), "pag0-mcpb-")), "manifest.json");
    writeFileSync(path, JSON.stringify(broken));
    const { code, output } = await mcpbValidate(path);
    expect(code).not.toBe(0);
    expect(output).toMatch(/author/);
    expect(output).toMatch(/server\.type/);
  }, 300_000);

  test("behavior: runs `node dist/cli.js stdio` (the package's bin) at the package's and server's version", () => {
    expect(manifest.server.type).toBe("node");
    expect(manifest.server.entry_point).toBe(pkg.bin.pag0);
    expect(manifest.server.mcp_config.command).toBe("node");
    expect(manifest.server.mcp_config.args).toEqual([`\${__dirname}/${pkg.bin.pag0}`, "stdio"]);
    expect(manifest.version).toBe(pkg.version);
    expect(SERVER_INFO.version).toBe(pkg.version);
    const tools = [paidFetch({} as never), getBudget({} as never), listSpend({} as never)].map((t) => t.name);
    expect(manifest.tools.map((t: { name: string }) => t.name)).toEqual(tools);
  });

  test("behavior: the wallet key is a sensitive field, and every variable has a value even when left empty", () => {
    expect(manifest.user_config.wallet_private_key).toMatchObject({ type: "string", sensitive: true });
    for (const [key, option] of Object.entries<any>(manifest.user_config)) {
      // a variable with no value is passed on literally ("${user_config.x}"), which the config would reject
      expect(option.required === true || option.default !== undefined, key).toBe(true);
    }
    const referenced = JSON.stringify(manifest.server.mcp_config).match(/\$\{user_config\.[^}]+\}/g) ?? [];
    expect(referenced.map((r) => r.slice(14, -1)).sort()).toEqual(Object.keys(manifest.user_config).sort());
  });

  test("behavior: the env a host builds from the defaults, and from user values, is a valid Pag0 config", () => {
    const defaults = loadConfig(hostEnv({}));
    expect(defaults.walletPrivateKey).toBeUndefined();
    expect(defaults.policy.limits).toEqual({
      perRequest: toAtomic("0.10"),
      daily: toAtomic("1"),
      monthly: toAtomic("10"),
    });
    expect(defaults.policy.allowedHosts).toEqual([]);
    expect([...defaults.networks.keys()]).toEqual(["eip155:324705682", "eip155:84532"]);

    const key = `0x${"11".repeat(32)}`;
    const user = loadConfig(
      hostEnv({
        wallet_private_key: key,
        max_per_request: 0.25,
        daily_budget: 2.5,
        monthly_budget: 40,
        allowed_hosts: "api.example.com,*.example.org",
        networks: "eip155:8453",
      }),
    );
    expect(user.walletPrivateKey).toBe(key);
    expect(user.policy.limits).toEqual({ perRequest: 250_000n, daily: 2_500_000n, monthly: 40_000_000n });
    expect(user.policy.allowedHosts).toEqual(["api.example.com", "*.example.org"]);
    expect([...user.networks.keys()]).toEqual(["eip155:8453"]);
  });

  test("behavior: its icon is the committed 512×512 PNG", () => {
    expect(manifest.icon).toBe("icon.png");
    const png = readFileSync(manifest.icon);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]); // IHDR width, height
  });

  test("behavior: a daily budget above the monthly one stops the server at start, saying which and what to do", () => {
    // the manifest cannot compare two fields, so the server refuses, in the host's log (stderr), before serving
    const env = hostEnv({ daily_budget: 20, monthly_budget: 10 });
    const dataDir = mkdtempSync(join(tmpdir(), "pag0-mcpb-budget-"));
    const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli.ts", "stdio"], {
      env: { PATH: process.env.PATH ?? "", PAG0_DATA_DIR: dataDir, ...env },
      input: "",
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "Invalid Pag0 configuration:\n  - PAG0_DAILY_BUDGET: the daily budget (20 USDC) must not exceed the monthly " +
        "budget (PAG0_MONTHLY_BUDGET, 10 USDC): lower the daily budget or raise the monthly one\n",
    );
  });
});
