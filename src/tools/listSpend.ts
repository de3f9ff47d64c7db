import * as z from "zod";
import { deny } from "../denial.js";
import type { AuditState } from "../ledger/auditStore.js";
import type { Ledger, ListedSpend } from "../ledger/ledger.js";
import type { SavingsWriter } from "../ledger/savingsWriter.js";
import { toDecimal } from "../money.js";
import { defineTool } from "./defineTool.js";
import { amount, listedStatus } from "./schemas.js";

const isoDate = z.iso.datetime({ offset: true });

const item = z.object({
  receiptId: z.string(),
  at: z.string(),
  principal: z.string(),
  method: z.string(),
  url: z.string(),
  host: z.string(),
  status: listedStatus,
  amount: amount.describe("What was paid, or for a refused call the price it was refused at (nothing was paid)"),
  asset: z.string(),
  network: z.string(),
  payTo: z.string(),
  txHash: z.string().nullable(),
  cached: z.boolean(),
  saved: amount,
  code: z
    .string()
    .nullable()
    .describe("Why a call was refused, or a payment released or unknown: the error code the call got."),
  audit: z
    .object({
      status: z.enum(["none", "queued", "submitted", "anchored"]),
      batchId: z.string().nullable(),
      anchorTx: z.string().nullable(),
    })
    .describe(
      "The receipt's audit anchor on SKALE: none (payment still open), queued, submitted, or anchored in batchId " +
        "by anchorTx (`pag0 audit verify <receiptId>` proves it).",
    ),
});

const NO_RECEIPT: AuditState = { status: "none", batchId: null, anchorTx: null };

export interface ListSpendDeps {
  ledger: Ledger;
  /** savings still queued in this process are written before spend is listed */
  savings: Pick<SavingsWriter, "flush">;
}

export const listSpend = (deps: ListSpendDeps) =>
  defineTool({
    name: "list_spend",
    title: "Spend history",
    description:
      "List payments (newest first) with their amounts, payees, status and settlement transactions. " +
      'Refused calls are not payments: list them with status "refused" (each has a receiptId you can audit).',
    inputSchema: {
      since: isoDate.optional().describe("Only payments at or after this ISO 8601 time."),
      until: isoDate.optional().describe("Only payments before this ISO 8601 time."),
      host: z.string().optional().describe("Only payments to this host."),
      status: listedStatus
        .optional()
        .describe(
          "Only payments in this state, e.g. settled or unknown. `refused`: only the refused calls (policy, budget " +
            "or approval said no; nothing was paid), which are left out otherwise.",
        ),
      limit: z.number().int().min(1).max(100).default(20).describe("Page size, at most 100."),
      cursor: z.string().optional().describe("The nextCursor of the previous page."),
      principal: z.string().optional().describe("Operators only: whose spend to list. Omit for your own."),
    },
    outputSchema: {
      items: z.array(item),
      nextCursor: z.string().nullable(),
      totals: z.object({ spent: amount, saved: amount, count: z.number() }),
    },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    scope: "read",
    async handler(input, tool) {
      if (input.principal && input.principal !== tool.principal && !tool.isOperator) {
        return deny("FORBIDDEN", "Only an operator can list another principal's spend.");
      }
      await deps.savings.flush();
      const page = await deps.ledger.listSpend({
        principal: input.principal ?? (tool.isOperator ? null : tool.principal),
        since: input.since ? new Date(input.since) : undefined,
        until: input.until ? new Date(input.until) : undefined,
        host: input.host,
        status: input.status,
        limit: input.limit,
        cursor: input.cursor,
      });
      const audit = await deps.ledger.auditStatus(page.items.map((r) => r.id));
      return {
        items: page.items.map((r) => toItem(r, audit.get(r.id) ?? NO_RECEIPT)),
        nextCursor: page.nextCursor,
        totals: {
          spent: toDecimal(page.totals.spent),
          saved: toDecimal(page.totals.saved),
          count: page.totals.count,
        },
      };
    },
    text: (o) =>
      (o.items.some((i) => i.status === "refused")
        ? `${o.totals.count} refused call(s); nothing was paid for them.`
        : `${o.totals.count} payment(s), ${o.totals.spent} USDC spent, ${o.totals.saved} USDC saved by the cache.`) +
      o.items
        .map(
          (i) =>
            `\n${i.at} ${i.status}${i.status === "refused" ? ` (${i.code})` : ""} ${i.amount} USDC ${i.method} ${i.url}` +
            `${i.txHash ? ` tx ${i.txHash}` : ""}` +
            (i.cached ? ` (cached, saved ${i.saved})` : ""),
        )
        .join(""),
  });

function toItem(r: ListedSpend, audit: AuditState): z.infer<typeof item> {
  return {
    receiptId: r.id,
    at: r.createdAt.toISOString(),
    principal: r.principal,
    method: r.request.method,
    url: r.request.url,
    host: r.request.host,
    status: r.status,
    amount: toDecimal(r.amount),
    asset: r.quote.asset,
    network: r.quote.network,
    payTo: r.quote.payTo,
    txHash: r.txHash,
    cached: r.cached,
    saved: toDecimal(r.saved),
    code: r.outcomeCode,
    audit,
  };
}
