import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type AuditChain, startAuditChain } from "../audit/auditChain.js";
import { closedPort } from "../support/closedPort.js";
import { startWorld, type World } from "../world/world.js";

const execFileAsync = promisify(execFile);

let world: World;
let audit: AuditChain;
let dir: string;

/** `pag0 doctor` from source with this config file and environment. */
async function doctor(config: unknown, env: Record<string, string> = {}) {
  const file = join(mkdtempSync(join(dir, "run-")), "pag0.json");
  writeFileSync(file, JSON.stringify(config));
  try {
    const { stdout } = await execFileAsync(process.execPath, ["--import", "tsx", "src/cli.ts", "doctor"], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        PAG0_CONFIG: file,
        PAG0_DATA_DIR: join(file, "..", "data"),
        ...env,
      },
      timeout: 60_000,
    });
    return { code: 0, stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? "", stderr: err.stderr };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pag0-doctor-"));
  [world, audit] = await Promise.all([startWorld(), startAuditChain()]);
});

afterAll(async () => {
  await Promise.all([world?.stop(), audit?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("pag0 doctor", () => {
  test("default: a good config on the local world is all OK and exits 0; the key is never printed", async () => {
    const payer = await world.newPayer(12_500_000n);
    const { code, stdout } = await doctor({ networks: [world.networkConfig] }, { WALLET_PRIVATE_KEY: payer.key });
    expect(stdout).not.toMatch(/^(WARN|FAIL)/m);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^OK {4}config: limits 0\.10 per request, 1\.00 a day, 10\.00 a month \(USDC\)/m);
    expect(stdout).toMatch(/^OK {4}data dir: .+ is writable$/m);
    expect(stdout).toMatch(/^OK {4}ledger: pglite opened, \d+ migration\(s\) applied$/m);
    expect(stdout).toContain(`OK    wallet: payer ${payer.address}`);
    expect(stdout).toContain(
      `OK    network eip155:84532: RPC ${new URL(world.rpcUrl).host} on chain 84532; USDC "USDC" version "2" ` +
        `(name()/version()) matches; the wallet holds 12.50 USDC`,
    );
    expect(stdout).toMatch(/^OK {4}audit: anchoring is not configured .+: 0 receipt\(s\) not anchored yet$/m);
    expect(stdout).toMatch(/^OK {4}cache: in memory, per process/m);
    expect(stdout).toMatch(/^7 OK, 0 WARN, 0 FAIL$/m);
    expect(stdout).not.toContain(payer.key.slice(2));
  });

  test("behavior: a wrong USDC name, a wrong chain and an unreachable RPC each FAIL; no wallet WARNs; exit 1", async () => {
    const port = await closedPort();
    const usdc = world.networkConfig.usdc;
    const { code, stdout } = await doctor({
      networks: [
        { ...world.networkConfig, usdc: { ...usdc, name: "USD Coin" } },
        { id: "eip155:8453", rpcUrl: world.rpcUrl }, // Base's config, but the RPC is the 84532 world
        { id: "eip155:31337", rpcUrl: `http://127.0.0.1:${port}/key-in-path`, usdc: { ...usdc, decimals: 6 } },
      ],
    });
    expect(code).toBe(1);
    expect(stdout).toContain(
      'FAIL  network eip155:84532: USDC EIP-712 domain on chain is "USDC" version "2", config says "USD Coin" version "2"',
    );
    expect(stdout).toContain("FAIL  network eip155:8453: RPC ");
    expect(stdout).toContain("serves chain 84532, not 8453");
    expect(stdout).toMatch(
      new RegExp(`^FAIL  network eip155:31337: RPC 127\\.0\\.0\\.1:${port} is unreachable: .+`, "m"),
    );
    expect(stdout).not.toContain("key-in-path"); // only the RPC's host is shown
    expect(stdout).toContain("WARN  wallet: WALLET_PRIVATE_KEY is not set");
    expect(stdout).toMatch(/^OK {4}ledger:/m);
    expect(stdout).toMatch(/^\d+ OK, 1 WARN, 3 FAIL$/m);
  });

  test("behavior: a data dir that cannot be created FAILs the data dir and the ledger", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "not a directory");
    const { code, stdout } = await doctor({ networks: [world.networkConfig] }, { PAG0_DATA_DIR: join(file, "data") });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAIL {2}data dir: .+a-file\/data is not writable: ENOTDIR/m);
    expect(stdout).toMatch(/^FAIL {2}ledger: The spend ledger is unavailable/m);
  });

  test("behavior: every config problem is its own FAIL line, and nothing else is checked", async () => {
    const { code, stdout } = await doctor({}, { PAG0_DAILY_BUDGET: "lots", WALLET_PRIVATE_KEY: "0x1234" });
    expect(code).toBe(1);
    expect(stdout).toContain("FAIL  config: PAG0_DAILY_BUDGET: must be a decimal USDC amount like 0.10");
    expect(stdout).toContain("FAIL  config: WALLET_PRIVATE_KEY: must be a 0x-prefixed 32-byte hex private key");
    expect(stdout).not.toContain("data dir");
  });

  test("behavior: a Redis cache that answers is OK; one that does not is a WARN (calls bypass it), not a FAIL", async () => {
    const up = await doctor({ networks: [world.networkConfig] }, { REDIS_URL: "redis://127.0.0.1:6379" });
    expect(up.stdout).toMatch(/^OK {4}cache: redis at 127\.0\.0\.1:6379 answered a write, read and delete in \d+ ms$/m);
    expect(up.stdout).toMatch(/^\d+ OK, 1 WARN, 0 FAIL$/m); // the WARN: no wallet

    const port = await closedPort();
    const down = await doctor(
      { networks: [world.networkConfig] },
      { REDIS_URL: `redis://default:s3cret-token@127.0.0.1:${port}` },
    );
    expect(down.stdout).toMatch(
      new RegExp(
        `^WARN  cache: redis at 127\\.0\\.0\\.1:${port}: redis cache set failed: .+; paid calls work but bypass the cache$`,
        "m",
      ),
    );
    expect(down.stdout).not.toContain("s3cret-token");
    expect(down.code).toBe(0);
  });

  test("behavior: anchoring on the configured PaymentAuditLog is OK; a signer that does not operate it FAILs", async () => {
    const env = {
      SKALE_RPC_URL: audit.rpcUrl,
      PAG0_AUDIT_CONTRACT: audit.contract,
      ERC8004_SIGNER_KEY: audit.operatorKey,
    };
    const good = await doctor({ networks: [world.networkConfig] }, env);
    expect(good.stdout).toContain(
      `OK    audit: PaymentAuditLog ${audit.contract} on chain 324705682 (RPC ${new URL(audit.rpcUrl).host}), ` +
        `operated by ${audit.operator.address}; 0 receipt(s) not anchored yet`,
    );

    const stranger = `0x${"42".repeat(32)}`;
    const bad = await doctor({ networks: [world.networkConfig] }, { ...env, ERC8004_SIGNER_KEY: stranger });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /^FAIL {2}audit: ERC8004_SIGNER_KEY \(0x[0-9a-fA-F]{40}\) is not the operator of .+: nothing would be anchored$/m,
    );
    expect(bad.stdout).not.toContain(stranger.slice(2));
  });
});
