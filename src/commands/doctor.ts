import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Config, ConfigError, loadConfig } from "../config.js";
import { createDeps, LOCAL_PRINCIPAL, MIGRATIONS_DIR } from "../deps.js";
import { DataDirLockedError } from "../ledger/dataDirLock.js";
import { toDecimal } from "../money.js";
import { checkNetwork } from "../payment/checkNetwork.js";
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
  summary: "check the configuration, data dir, ledger, wallet and each network's RPC and USDC (exit 1 on FAIL)",
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

    const deps = createDeps(config, commandLogger(config));
    try {
      await checkLedger(deps.ledger, report.line);
    } finally {
      await deps.ledger.close();
    }

    if (deps.wallet) report.line("OK", "wallet", `payer ${deps.wallet.address}`);
    else report.line("WARN", "wallet", "WALLET_PRIVATE_KEY is not set: free calls work, paid calls are refused");

    const checks = await Promise.all(
      [...config.networks.values()].map((n) => checkNetwork(n, { payer: deps.wallet?.address })),
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

async function checkLedger(
  ledger: ReturnType<typeof createDeps>["ledger"],
  line: (level: Level, subject: string, message: string) => void,
): Promise<void> {
  try {
    // opening applies pending migrations and refuses changed or unknown ones; the local budget row proves it ran
    const status = await ledger.budgetStatus(LOCAL_PRINCIPAL);
    const migrations = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith(".sql")).length;
    if (!status) line("FAIL", "ledger", `${ledger.kind} opened, but the local principal is missing`);
    else line("OK", "ledger", `${ledger.kind} opened, ${migrations} migration(s) applied`);
  } catch (e) {
    if (e instanceof DataDirLockedError) {
      line("WARN", "ledger", `${e.message} (a running server owns it; that is fine, but it was not checked)`);
      return;
    }
    line("FAIL", "ledger", causeChain(e));
  }
}

/** "message: cause: cause", so the real reason (a migration problem, a full disk) is not hidden behind the wrapper. */
function causeChain(e: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = e; c instanceof Error && parts.length < 4; c = c.cause) parts.push(c.message);
  return parts.join(": ");
}
