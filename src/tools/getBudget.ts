import * as z from "zod";
import type { Config } from "../config/loadConfig.js";
import { deny } from "../denial.js";
import type { Ledger } from "../ledger/ledger.js";
import type { SavingsWriter } from "../ledger/savingsWriter.js";
import { toDecimal } from "../money.js";
import type { HostLists } from "../policy/hostRules.js";
import { defineTool } from "./defineTool.js";
import { amount } from "./schemas.js";

export interface GetBudgetDeps {
  ledger: Ledger;
  /** savings still queued in this process are written before the budget is read */
  savings: Pick<SavingsWriter, "flush">;
  policy: Config["policy"];
  networks: string[];
}

const pair = z.object({ today: amount, month: amount });

export const getBudget = (deps: GetBudgetDeps) =>
  defineTool({
    name: "get_budget",
    title: "Budget",
    description: "Show the spend limits, what was spent and reserved today and this month (UTC), and what remains.",
    inputSchema: {
      principal: z.string().optional().describe("Operators only: whose budget to show. Omit for your own."),
    },
    outputSchema: {
      currency: z.literal("USDC"),
      limits: z.object({ perRequest: amount, daily: amount, monthly: amount }),
      spent: pair,
      reserved: amount,
      remaining: pair,
      saved: pair.describe("What the paid-response cache saved (responses already paid for, served again at no cost)"),
      resetsAt: z.object({ day: z.string(), month: z.string() }),
      policy: z.object({
        allowedHosts: z.array(z.string()).describe("Server-wide: when not empty, only hosts matching one are fetched"),
        blockedHosts: z.array(z.string()).describe("Server-wide: hosts that are never fetched"),
        principalHosts: z
          .object({ allowedHosts: z.array(z.string()), blockedHosts: z.array(z.string()) })
          .describe(
            "This principal's own host lists, set by an operator. They apply on top of the server-wide ones: a " +
              "host must pass both (an empty allowedHosts list allows any host).",
          ),
        networks: z.array(z.string()),
        approvalThreshold: amount.nullable(),
      }),
    },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    scope: "read",
    async handler(input, tool) {
      if (input.principal && input.principal !== tool.principal && !tool.isOperator) {
        return deny("FORBIDDEN", "Only an operator can read another principal's budget.");
      }
      const principal = input.principal ?? tool.principal;
      await deps.savings.flush();
      const s = await deps.ledger.budgetStatus(principal);
      if (!s) return deny("INVALID_INPUT", `No budget is configured for principal ${principal}.`);
      return {
        currency: "USDC" as const,
        limits: {
          perRequest: toDecimal(s.limits.perRequest),
          daily: toDecimal(s.limits.daily),
          monthly: toDecimal(s.limits.monthly),
        },
        spent: { today: toDecimal(s.spent.today), month: toDecimal(s.spent.month) },
        reserved: toDecimal(s.reserved.month),
        remaining: { today: toDecimal(s.remaining.today), month: toDecimal(s.remaining.month) },
        saved: { today: toDecimal(s.saved.today), month: toDecimal(s.saved.month) },
        resetsAt: { day: s.resetsAt.day.toISOString(), month: s.resetsAt.month.toISOString() },
        policy: {
          allowedHosts: deps.policy.allowedHosts,
          blockedHosts: deps.policy.blockedHosts,
          principalHosts: s.policy,
          networks: deps.networks,
          approvalThreshold:
            deps.policy.approvalThreshold === undefined ? null : toDecimal(deps.policy.approvalThreshold),
        },
      };
    },
    text: (o) =>
      `Spent ${o.spent.today} of ${o.limits.daily} USDC today and ${o.spent.month} of ${o.limits.monthly} this month; ` +
      `${o.remaining.today} left today (${o.reserved} reserved in flight). Per request at most ${o.limits.perRequest}.` +
      (o.saved.month === "0.00" ? "" : ` The cache saved ${o.saved.today} today, ${o.saved.month} this month.`) +
      hostsText(o.policy),
  });

function hostsText(p: { allowedHosts: string[]; blockedHosts: string[]; principalHosts: HostLists }): string {
  const own = p.principalHosts;
  const say = (label: string, l: string[]) => (l.length ? ` ${label}: ${l.join(", ")}.` : "");
  return (
    say("Only these hosts", p.allowedHosts) +
    say("Blocked hosts", p.blockedHosts) +
    say("Your own allowed hosts (also required)", own.allowedHosts) +
    say("Your own blocked hosts", own.blockedHosts)
  );
}
