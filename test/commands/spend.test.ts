import { execFile } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { csvField } from "../../src/commands/spendFormats.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import { openPglite } from "../../src/ledger/pgliteClient.js";
import { MIGRATIONS_DIR } from "../../src/ledger/sqlClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";

const execFileAsync = promisify(execFile);
const DAY = 86_400_000;
const CENT = 10_000n;
const PAY_TO = "0x00000000000000000000000000000000000000a1";
const TX = `0x${"ab".repeat(32)}`;
const COMMA_URL = "https://api.example.com/data?q=a,b";
const QUOTE_URL = 'https://api.example.com/say?text="hi"';

let dir: string;
const old = new Date(Date.now() - 40 * DAY);

/** Seeds one payment through the real ledger API: reserve → markSigned → settle (or release). */
async function pay(
  ledger: Ledger,
  o: { principal?: string; url: string; amount: bigint; release?: boolean; at?: Date },
): Promise<void> {
  const url = new URL(o.url);
  const r = await ledger.reserve({
    principal: o.principal ?? "local",
    amount: o.amount,
    idempotencyKey: randomUUID(),
    request: {
      method: "GET",
      url: o.url,
      host: url.hostname,
      requestHash: createHash("sha256").update(o.url).digest("hex"),
    },
    quote: {
      scheme: "exact",
      network: "eip155:84532",
      asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
      payTo: PAY_TO,
      x402Version: 2,
      maxTimeoutSeconds: 60,
    },
    ttlSeconds: 100 * 86_400, // rows dated in the past must still be signable
    now: o.at,
  });
  if (!r.ok) throw new Error(`seed reserve refused: ${r.reason}`);
  await ledger.markSigned(r.spend.id, {
    payer: "0x00000000000000000000000000000000000000b2",
    nonce: `0x${randomBytes(32).toString("hex")}`,
    validBefore: BigInt(Math.floor(Date.now() / 1000) + 600),
  });
  if (o.release) await ledger.release(r.spend.id, "PAYMENT_FAILED");
  else await ledger.settle(r.spend.id, { txHash: TX });
}

/** `pag0 spend …` from source, as an operator runs it, on the seeded data dir. */
async function spend(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      ["--import", "tsx", "src/cli.ts", "spend", ...args],
      {
        env: { PATH: process.env.PATH ?? "", HOME: dir, PAG0_DATA_DIR: join(dir, "data") },
        timeout: 60_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pag0-spend-"));
  const ledger = sqlLedger(await openPglite({ dataDir: join(dir, "data", "ledger"), migrationsDir: MIGRATIONS_DIR }));
  try {
    const limits = { perRequest: 50n * CENT, daily: 100n * CENT, monthly: 1000n * CENT };
    await ledger.upsertPrincipal("local", limits);
    await ledger.upsertPrincipal("agent-b", limits);
    await pay(ledger, { url: "https://api.example.com/old", amount: 4n * CENT, at: old });
    await pay(ledger, { url: COMMA_URL, amount: 5n * CENT });
    await pay(ledger, { url: QUOTE_URL, amount: 2n * CENT });
    await pay(ledger, { url: "https://other.example.com/x", amount: 3n * CENT, release: true });
    await pay(ledger, { principal: "agent-b", url: "https://b.example.com/secret-work", amount: 7n * CENT });
    await ledger.recordDenial({
      principal: "local",
      request: {
        method: "GET",
        url: "https://api.example.com/refused",
        host: "api.example.com",
        bodyHash: "b0",
        requestHash: "h-refused",
      },
      quote: {
        scheme: "exact",
        network: "eip155:84532",
        asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
        amount: 90n * CENT,
        payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
        x402Version: 2,
        maxTimeoutSeconds: 60,
      },
      code: "BUDGET_EXCEEDED",
    });
  } finally {
    await ledger.close(); // releases the data dir lock for the CLI
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("pag0 spend", () => {
  test("default: the local principal's payments as a table, newest first, with totals", async () => {
    const { code, stdout } = await spend();
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/^ID\s+AT \(UTC\)\s+STATUS\s+USDC\s+NETWORK\s+METHOD\s+URL\s+TX$/);
    const rows = lines.slice(1, 5);
    expect(rows.map((l) => /(https:\S+)/.exec(l)?.[1])).toEqual([
      "https://other.example.com/x",
      QUOTE_URL,
      COMMA_URL,
      "https://api.example.com/old",
    ]);
    expect(rows[0]).toMatch(/released \(PAYMENT_FAILED\)\s+0\.03\s/);
    expect(rows[2]).toMatch(/settled\s+0\.05\s+eip155:84532\s+GET\s/);
    expect(rows[2]).toContain("0xabababab…abab");
    expect(stdout).not.toContain("b.example.com"); // another principal's spend
    expect(stdout).toContain("4 payment(s) for local; 0.11 USDC settled.");
  });

  test("behavior: --status refused lists only the refused calls, which the default listing leaves out", async () => {
    const table = await spend("--status", "refused");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /^d\d+\s.*refused \(BUDGET_EXCEEDED\)\s+0\.90\s.*https:\/\/api\.example\.com\/refused/m,
    );
    expect(table.stdout).toContain("1 refused call(s) for local; nothing was paid for them.");
    const json = JSON.parse((await spend("--json", "--status", "refused")).stdout);
    expect(json.items).toMatchObject([{ receiptId: expect.stringMatching(/^d\d+$/), status: "refused", txHash: null }]);
    expect(json.totals).toEqual({ spent: "0.00", spentAtomic: "0", count: 1 });
  });

  test("behavior: --json with --status, --host and --since filters; stdout is only the JSON", async () => {
    const since = new Date(Date.now() - 20 * DAY).toISOString();
    const { code, stdout } = await spend(
      "--json",
      "--status",
      "settled",
      "--host",
      "api.example.com",
      "--since",
      since,
    );
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.totals).toEqual({ spent: "0.07", spentAtomic: "70000", count: 2 });
    expect(out.items.map((i: any) => [i.url, i.amount, i.amountAtomic, i.status])).toEqual([
      [QUOTE_URL, "0.02", "20000", "settled"],
      [COMMA_URL, "0.05", "50000", "settled"],
    ]);
    expect(out.items[0]).toMatchObject({
      principal: "local",
      host: "api.example.com",
      network: "eip155:84532",
      payTo: PAY_TO,
      txHash: TX,
      method: "GET",
      outcomeCode: null,
    });
    expect(Date.parse(out.items[0].at)).toBeGreaterThan(Date.parse(since));
  });

  test("behavior: --csv quotes fields with commas and quotes (RFC 4180); --until keeps only older rows", async () => {
    const { code, stdout } = await spend("--csv");
    expect(code).toBe(0);
    const lines = stdout.split("\r\n");
    expect(lines[0]).toBe(
      "receiptId,at,principal,status,amount,amountAtomic,asset,network,payTo,method,url,host,txHash,outcomeCode",
    );
    expect(lines).toHaveLength(6); // header, 4 rows, and the empty string after the final CRLF
    expect(lines.find((l) => l.includes("data?q"))).toContain(`,GET,"${COMMA_URL}",api.example.com,${TX},`);
    expect(lines.find((l) => l.includes("say?text"))).toContain(',GET,"https://api.example.com/say?text=""hi""",');

    const until = await spend("--csv", "--until", new Date(Date.now() - 20 * DAY).toISOString());
    const rows = until.stdout.trim().split("\r\n").slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(",settled,0.04,40000,");
  });

  test("behavior: --all-principals shows every principal; --limit pages and says how many are hidden", async () => {
    const { code, stdout } = await spend("--all-principals", "--limit", "2");
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toMatch(/^ID\s+AT \(UTC\)\s+PRINCIPAL\s+STATUS/);
    expect(stdout).toMatch(/agent-b\s+settled\s+0\.07/);
    expect(stdout).toContain("5 payment(s) for all principals; 0.18 USDC settled.");
    expect(stdout).toContain("Showing the newest 2");

    const b = JSON.parse((await spend("--json", "--principal", "agent-b")).stdout);
    expect(b.items.map((i: any) => i.url)).toEqual(["https://b.example.com/secret-work"]);
  });

  test("behavior: bad options exit 2 with the reason on stderr and nothing on stdout", async () => {
    for (const args of [["--json", "--csv"], ["--since", "yesterday"], ["--limit", "0"], ["--bogus"]]) {
      const { code, stdout, stderr } = await spend(...args);
      expect(code, args.join(" ")).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(/^pag0 spend: .+\n\nUsage: pag0 spend/);
    }
  });

  test("behavior: csvField quotes only when needed and doubles quotes", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField(null)).toBe("");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
  });
});
