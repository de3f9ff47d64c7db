import type { Denial } from "../denial.js";
import type { BudgetStatus, Ledger } from "../ledger/ledger.js";
import type { SavingsWriter } from "../ledger/savingsWriter.js";
import type { Logger } from "../logger.js";
import { toDecimal } from "../money.js";
import type { ToolContext, ToolDefinition } from "../tools/defineTool.js";
import { listSpend } from "../tools/listSpend.js";

/** One `list_spend` item, as the tool returns it (money as decimal strings). */
export interface SpendItem {
  receiptId: string;
  at: string;
  principal: string;
  method: string;
  url: string;
  host: string;
  status: string;
  amount: string;
  asset: string;
  network: string;
  payTo: string;
  txHash: string | null;
  cached: boolean;
  saved: string;
  audit: { status: "none" | "queued" | "submitted" | "anchored"; batchId: string | null; anchorTx: string | null };
}

export interface SpendPage {
  items: SpendItem[];
  nextCursor: string | null;
  totals: { spent: string; saved: string; count: number };
}

/** The ledger's value as the page reads it: atomic amounts as decimal strings, times as ISO strings. */
type AsJson<T> = T extends bigint ? string : T extends Date ? string : { [K in keyof T]: AsJson<T[K]> };

/**
 * A principal's budget status for the bars: today's and this month's windows. `reserved` is per window, unlike
 * get_budget's single (the month's) value: the day bar needs the day's holds.
 */
export type BudgetView = AsJson<Omit<BudgetStatus, "principal">>;

export interface OperatorViewDeps {
  ledger: Ledger;
  savings: Pick<SavingsWriter, "flush">;
  log: Logger;
}

export interface OperatorView {
  spend(input: { since?: string; status?: string; limit: number; cursor?: string }): Promise<SpendPage>;
  /** null for a principal without a budget */
  budget(principal: string): Promise<BudgetView | null>;
}

/**
 * What an operator reads, for the dashboard: spend through the `list_spend` tool's own handler, so the page shows
 * exactly what MCP clients read (same rounding, same audit status, queued savings written first), and each
 * principal's budget windows from the ledger's `budgetStatus`.
 */
export function operatorView(deps: OperatorViewDeps): OperatorView {
  const spendTool = listSpend(deps);
  const context: ToolContext = {
    principal: "dashboard",
    isOperator: true,
    signal: new AbortController().signal,
    log: deps.log,
    elicitApproval: async () => "unsupported",
    progress: undefined,
  };
  const run = async <T>(tool: ToolDefinition, input: Record<string, unknown>): Promise<T> => {
    const out = (await tool.handler(input, context)) as T | Denial;
    if ((out as Denial).kind === "denied") throw new Error(`${tool.name}: ${(out as Denial).message}`);
    return out as T;
  };
  const pair = (p: { today: bigint; month: bigint }) => ({ today: toDecimal(p.today), month: toDecimal(p.month) });
  return {
    spend: (input) => run<SpendPage>(spendTool, input),
    async budget(principal) {
      await deps.savings.flush();
      const s = await deps.ledger.budgetStatus(principal);
      if (!s) return null;
      return {
        limits: {
          perRequest: toDecimal(s.limits.perRequest),
          daily: toDecimal(s.limits.daily),
          monthly: toDecimal(s.limits.monthly),
        },
        spent: pair(s.spent),
        reserved: pair(s.reserved),
        remaining: pair(s.remaining),
        saved: pair(s.saved),
        resetsAt: { day: s.resetsAt.day.toISOString(), month: s.resetsAt.month.toISOString() },
      };
    },
  };
}
