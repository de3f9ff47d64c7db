import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { privateKeyToAccount } from "viem/accounts";
import { auditChainClient, paymentChainClient } from "../app/chainClients.js";
import { createApp } from "../app.js";
import { checkAuditChain } from "../audit/checkAuditChain.js";
import type { ResponseCache } from "../cache/responseCache.js";
import type { AuditConfig } from "../config/audit.js";
import { type Config, ConfigError, loadConfig } from "../config/loadConfig.js";
import { DataDirLockedError } from "../ledger/dataDirLock.js";
import type { Ledger } from "../ledger/ledger.js";
import { defaultMigrationsDir } from "../ledger/sqlClient.js";
import { toDecimal } from "../money.js";
import { checkNetwork } from "../payment/checkNetwork.js";
import { LOCAL_PRINCIPAL } from "../tools/defineTool.js";
import type { Command } from "./command.js";
import { commandLogger } from "./commandLogger.js";
import { print } from "./output.js";

type Level = "OK" | "WARN" | "FAIL";

/** Prints one check result as `LEVEL  subject: message` and remembers the worst level. */
function reporter() {
  const counts: Record<Level, number> = { OK: 0, WARN: 0, FAIL: 0 };
  return {
    counts,
    line(level: Level, subject: string, message: string) {
      counts[level]++;
      print(`${level.padEnd(4)}  ${subject}: ${message}\n`);
    },
  };
}

export const doctor: Command = {
  usage:
    "Usage: pag0 doctor\n\nChecks the configuration, the data dir, the ledger, the audit chain, the cache, the wallet and the RPC and USDC of\neach enabled network, one line each (OK, WARN, FAIL); exits 1 if anything FAILs.\n",
  summary:
    "check the configuration, data dir, ledger, audit chain, cache, wallet and each network's RPC and USDC (exit 1 on FAIL)",
  async run() {
    const report = reporter();
    let config: Config;
    try {
      config = loadConfig();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const problem of e.problems) report.line("FAIL", "config", problem);
      print("\nFix the configuration first; the other checks need it.\n");
      return 1;
    }
    report.line("OK", "config", describeConfig(config));
    if (config.allowPrivateHosts) {
      report.line("WARN", "config", "PAG0_ALLOW_PRIVATE_HOSTS is on: upstreams on private addresses are allowed");
    }

    const dataDirProblem = checkDataDir(config.dataDir);
    if (dataDirProblem) report.line("FAIL", "data dir", dataDirProblem);
    else report.line("OK", "data dir", `${config.dataDir} is writable`);

    const deps = createApp(config, commandLogger(config));
    try {
      if (await checkLedger(deps.ledger, report.line)) await checkAudit(config.audit, deps.ledger, report.line);
      await checkCache(config, deps.cache, report.line);
    } finally {
      await deps.ledger.close();
      await deps.cache.close();
    }

    if (deps.wallet) report.line("OK", "wallet", `payer ${deps.wallet.address}`);
    else report.line("WARN", "wallet", "WALLET_PRIVATE_KEY is not set: free calls work, paid calls are refused");

    const checks = await Promise.all(
      [...config.networks.values()].map((n) =>
        checkNetwork(n, paymentChainClient(n, { timeoutMs: 10_000 }), { payer: deps.wallet?.address }),
      ),
    );
    for (const c of checks) {
      const subject = `network ${c.network}`;
      for (const problem of c.problems) report.line("FAIL", subject, problem);
      if (c.problems.length || !c.domain) continue;
      const ok = `RPC ${c.rpcHost} on chain ${c.chainId}; USDC "${c.domain.name}" version "${c.domain.version}" (${c.domain.source}) matches`;
      if (c.balance === undefined) report.line("OK", subject, ok);
      else if (c.balance === 0n) report.line("WARN", subject, `${ok}; the wallet holds 0 USDC here`);
      else report.line("OK", subject, `${ok}; the wallet holds ${toDecimal(c.balance)} USDC`);
    }

    const { OK, WARN, FAIL } = report.counts;
    print(`\n${OK} OK, ${WARN} WARN, ${FAIL} FAIL\n`);
    return FAIL > 0 ? 1 : 0;
  },
};

function describeConfig(c: Config): string {
  const { perRequest, daily, monthly } = c.policy.limits;
  return (
    `limits ${toDecimal(perRequest)} per request, ${toDecimal(daily)} a day, ${toDecimal(monthly)} a month (USDC); ` +
    `networks ${[...c.networks.keys()].join(", ") || "none"}`
  );
}

/** Creates the data dir if needed and writes and removes a file in it; the problem, or null. */
function checkDataDir(dataDir: string): string | null {
  const probe = join(dataDir, `.doctor-${randomUUID()}`);
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(probe, "ok");
    unlinkSync(probe);
    return null;
  } catch (e) {
    return `${dataDir} is not writable: ${(e as Error).message}`;
  }
}

type Line = (level: Level, subject: string, message: string) => void;

/** True when the ledger answered (and the checks that read it can run). */
async function checkLedger(ledger: Ledger, line: Line): Promise<boolean> {
  try {
    // opening applies pending migrations and refuses changed or unknown ones; the local budget row proves it ran
    const status = await ledger.budgetStatus(LOCAL_PRINCIPAL);
    const migrations = readdirSync(defaultMigrationsDir()).filter((f) => f.endsWith(".sql")).length;
    if (!status) line("FAIL", "ledger", `${ledger.kind} opened, but the local principal is missing`);
    else line("OK", "ledger", `${ledger.kind} opened, ${migrations} migration(s) applied`);
    return status !== null;
  } catch (e) {
    if (e instanceof DataDirLockedError) {
      line("WARN", "ledger", `${e.message} (a running server owns it; that is fine, but it was not checked)`);
      return false;
    }
    line("FAIL", "ledger", causeChain(e));
    return false;
  }
}

/** The audit log: receipts waiting, and when anchoring is configured, the chain, contract and operator. */
async function checkAudit(audit: AuditConfig, ledger: Ledger, line: Line): Promise<void> {
  const backlog = await ledger.auditBacklog();
  const ageSeconds = backlog.oldestUnanchoredAt
    ? Math.floor((Date.now() - backlog.oldestUnanchoredAt.getTime()) / 1000)
    : 0;
  const waiting = `${backlog.unanchored} receipt(s) not anchored yet${backlog.unanchored ? `, the oldest ${ageSeconds} s old` : ""}`;
  if (!audit.anchoring || !audit.contract || !audit.signerKey || !audit.rpcUrl) {
    line("OK", "audit", `anchoring is not configured (PAG0_AUDIT_CONTRACT, ERC8004_SIGNER_KEY): ${waiting}`);
    return;
  }
  const rpcHost = new URL(audit.rpcUrl).host;
  const operator = privateKeyToAccount(audit.signerKey).address;
  try {
    const { problem } = await checkAuditChain(auditChainClient(audit), {
      chainId: audit.chainId,
      contract: audit.contract,
      operator,
      agentId: audit.agentId,
    });
    if (problem !== null) return line("FAIL", "audit", `${problem}: nothing would be anchored`);
  } catch (e) {
    return line("FAIL", "audit", `RPC ${rpcHost} is unreachable: ${(e as Error).message.split("\n")[0]}`);
  }
  const lagging = backlog.unanchored > 0 && ageSeconds > audit.maxBacklogSeconds;
  line(
    lagging ? "WARN" : "OK",
    "audit",
    `PaymentAuditLog ${audit.contract} on chain ${audit.chainId} (RPC ${rpcHost}), operated by ${operator}; ${waiting}` +
      (lagging ? ` (more than PAG0_AUDIT_MAX_BACKLOG_SECONDS=${audit.maxBacklogSeconds}: is a server anchoring?)` : ""),
  );
}

/** The paid-response cache: a probe value written, read back and deleted. Down is a WARN: calls bypass it. */
async function checkCache(config: Config, cache: ResponseCache, line: Line): Promise<void> {
  const { store } = config.cache;
  if (store.kind === "memory") {
    line("OK", "cache", "in memory, per process (set REDIS_URL to share paid responses between processes)");
    return;
  }
  const where = `${store.kind} at ${new URL(store.url).host}`;
  const key = `${config.cache.keyPrefix}doctor:${randomUUID()}`;
  try {
    const started = performance.now();
    await cache.set(key, "ok", 60);
    const value = await cache.get(key);
    await cache.delete(key);
    if (value !== "ok") line("WARN", "cache", `${where} did not return what was stored: calls bypass the cache`);
    else
      line(
        "OK",
        "cache",
        `${where} answered a write, read and delete in ${Math.round(performance.now() - started)} ms`,
      );
  } catch (e) {
    line("WARN", "cache", `${where}: ${(e as Error).message}; paid calls work but bypass the cache`);
  }
}

/** "message: cause: cause", so the real reason (a migration problem, a full disk) is not hidden behind the wrapper. */
function causeChain(e: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = e; c instanceof Error && parts.length < 4; c = c.cause) parts.push(c.message);
  return parts.join(": ");
}
