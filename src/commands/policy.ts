import { list } from "../config/schema.js";
import { isDecimalAmount, toAtomic, toDecimal } from "../money.js";
import { type HostLists, isHostPattern } from "../policy/hostRules.js";
import { LOCAL_PRINCIPAL } from "../tools/defineTool.js";
import type { Command } from "./command.js";
import { print } from "./output.js";
import { parseFlags, withLedger } from "./withLedger.js";

const USAGE = `Usage:
  pag0 policy show [--principal <name>]
  pag0 policy set --principal <name> [--per-request 0.10] [--daily 1.00] [--monthly 10.00]
                  [--allowed-hosts api.example.com,*.data.example] [--blocked-hosts bad.example]

Limits are USDC; days and months are UTC. Host lists are comma lists of hosts or *.wildcards, as in
PAG0_ALLOWED_HOSTS / PAG0_BLOCKED_HOSTS; they apply to this principal on top of those, and "" clears one.
Only operators change limits: no tool can.`;

export const policy: Command = {
  usage: USAGE,
  summary: "show or set a principal's per-request, daily and monthly limits and its own host lists",
  async run(args) {
    const [sub, ...rest] = args;
    const { flags } = parseFlags(rest);
    if (sub === "show") {
      return withLedger(async ({ ledger, config }) => {
        const wanted = flags.principal;
        const rows = (await ledger.listPrincipals()).filter((p) => !wanted || p.principal === wanted);
        for (const p of rows) {
          const l = p.limits;
          print(
            `${p.principal.padEnd(24)} per request ${toDecimal(l.perRequest)}  daily ${toDecimal(l.daily)}  monthly ${toDecimal(l.monthly)} USDC${hostsLine(p)}\n`,
          );
        }
        const w = config.policy.walletLimits;
        print(
          `${"(wallet, all principals)".padEnd(24)} daily ${toDecimal(w.daily)}  monthly ${toDecimal(w.monthly)} USDC\n`,
        );
        return rows.length || !wanted ? 0 : 1;
      });
    }
    if (sub === "set") {
      const principal = flags.principal ?? LOCAL_PRINCIPAL;
      const bad = ["per-request", "daily", "monthly"].filter(
        (k) => flags[k] !== undefined && !isDecimalAmount(flags[k] ?? ""),
      );
      if (bad.length) {
        process.stderr.write(
          `pag0 policy set: ${bad.map((b) => `--${b}`).join(", ")} must be decimal USDC amounts\n\n${USAGE}\n`,
        );
        return 2;
      }
      const hosts = hostFlags(flags);
      if (typeof hosts === "string") {
        process.stderr.write(`pag0 policy set: ${hosts}\n\n${USAGE}\n`);
        return 2;
      }
      return withLedger(async ({ ledger, config }) => {
        const current =
          (await ledger.listPrincipals()).find((p) => p.principal === principal)?.limits ?? config.policy.limits;
        const next = {
          perRequest: flags["per-request"] ? toAtomic(flags["per-request"]) : current.perRequest,
          daily: flags.daily ? toAtomic(flags.daily) : current.daily,
          monthly: flags.monthly ? toAtomic(flags.monthly) : current.monthly,
        };
        // the same rule the environment's budgets follow (PAG0_DAILY_BUDGET ≤ PAG0_MONTHLY_BUDGET)
        if (next.daily > next.monthly) {
          process.stderr.write(
            `pag0 policy set: the daily limit (${toDecimal(next.daily)}) must not exceed the monthly one (${toDecimal(next.monthly)})\n`,
          );
          return 2;
        }
        await ledger.upsertPrincipal(principal, next);
        if (hosts.allowedHosts || hosts.blockedHosts) await ledger.setPrincipalHosts(principal, hosts);
        const set = (await ledger.listPrincipals()).find((p) => p.principal === principal);
        process.stderr.write(
          `${principal}: per request ${toDecimal(next.perRequest)}, daily ${toDecimal(next.daily)}, monthly ${toDecimal(next.monthly)} USDC${set ? hostsLine(set) : ""}\n`,
        );
        return 0;
      });
    }
    process.stderr.write(`${USAGE}\n`);
    return sub ? 2 : 0;
  },
};

/** --allowed-hosts / --blocked-hosts parsed as the environment's host lists are, each pattern checked; or why not. */
function hostFlags(flags: Record<string, string>): Partial<HostLists> | string {
  const out: Partial<HostLists> = {};
  for (const [flag, key] of [
    ["allowed-hosts", "allowedHosts"],
    ["blocked-hosts", "blockedHosts"],
  ] as const) {
    const value = flags[flag];
    if (value === undefined) continue;
    const patterns = list.parse(value).map((p) => p.toLowerCase());
    const bad = patterns.filter((p) => !isHostPattern(p));
    if (bad.length) return `--${flag}: not a host or *.wildcard: ${bad.join(", ")} (no scheme, port or path)`;
    out[key] = [...new Set(patterns)];
  }
  return out;
}

function hostsLine(p: HostLists): string {
  const parts = [
    p.allowedHosts.length ? `allowed hosts ${p.allowedHosts.join(",")}` : "",
    p.blockedHosts.length ? `blocked hosts ${p.blockedHosts.join(",")}` : "",
  ].filter(Boolean);
  return parts.length ? `  ${parts.join("  ")}` : "";
}
