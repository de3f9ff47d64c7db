import { parseArgs } from "node:util";
import type { Ledger, ListedSpend, ListSpendQuery } from "../ledger/ledger.js";
import { toDecimal } from "../money.js";
import { LOCAL_PRINCIPAL } from "../tools/defineTool.js";
import { listedStatus } from "../tools/schemas.js";
import type { Command } from "./command.js";
import { print } from "./output.js";
import { formatCsv, formatTable, toSpendRecord } from "./spendFormats.js";
import { withLedger } from "./withLedger.js";

const USAGE = `Usage: pag0 spend [options]

Lists payments from the ledger, newest first: the local principal's unless told otherwise.

Options:
  --json                  print JSON: { items, totals }
  --csv                   print CSV (RFC 4180) with a header line
  --since <time>          only payments at or after: ISO date/time (2026-11-01, 2026-11-01T12:00:00Z) or 24h, 7d ago
  --until <time>          only payments before this time (same forms)
  --host <host>           only payments to this host, e.g. api.example.com
  --status <status>       ${listedStatus.options.join(" | ")}
                          (refused: only the calls policy refused, which are not listed otherwise)
  --limit <n>             at most n rows, default 100 (totals always cover every match)
  --principal <name>      another principal's spend (default: ${LOCAL_PRINCIPAL})
  --all-principals        every principal's spend
`;

class UsageError extends Error {}

const OPTIONS = {
  json: { type: "boolean" },
  csv: { type: "boolean" },
  since: { type: "string" },
  until: { type: "string" },
  host: { type: "string" },
  status: { type: "string" },
  limit: { type: "string" },
  principal: { type: "string" },
  "all-principals": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export const spend: Command = {
  usage: USAGE,
  summary: "list payments from the ledger as a table, --json or --csv (filters: --since --until --host --status)",
  async run(args) {
    let parsed: ReturnType<typeof parseSpendArgs>;
    try {
      parsed = parseSpendArgs(args);
    } catch (e) {
      process.stderr.write(`pag0 spend: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (parsed === "help") {
      print(USAGE);
      return 0;
    }
    return withLedger(async ({ ledger }) => {
      const { rows, spent, count } = await readSpend(ledger, parsed.query, parsed.limit);
      const records = rows.map(toSpendRecord);
      if (parsed.format === "json") {
        const totals = { spent: toDecimal(spent), spentAtomic: spent.toString(), count };
        print(`${JSON.stringify({ items: records, totals }, null, 2)}\n`);
      } else if (parsed.format === "csv") {
        print(formatCsv(records));
      } else {
        const who = parsed.query.principal ?? "all principals";
        const lines = records.length
          ? [formatTable(records, { showPrincipal: parsed.query.principal === null })]
          : ["No payments match."];
        lines.push(
          "",
          parsed.query.status === "refused"
            ? `${count} refused call(s) for ${who}; nothing was paid for them.`
            : `${count} payment(s) for ${who}; ${toDecimal(spent)} USDC settled.`,
        );
        if (records.length < count)
          lines.push(`Showing the newest ${records.length}: use --limit or --since for more.`);
        print(`${lines.join("\n")}\n`);
      }
      return 0;
    });
  },
};

/** Pages through the ledger (at most 100 rows a page) until `limit` rows; totals come from the first page. */
async function readSpend(ledger: Ledger, query: Omit<ListSpendQuery, "limit" | "cursor">, limit: number) {
  const rows: ListedSpend[] = [];
  let cursor: string | undefined;
  let totals = { spent: 0n, count: 0 };
  do {
    const page = await ledger.listSpend({ ...query, limit: Math.min(100, limit - rows.length), cursor });
    if (cursor === undefined) totals = page.totals;
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && rows.length < limit);
  return { rows, ...totals };
}

function parseSpendArgs(args: string[]) {
  const { values: v } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false });
  if (v.help) return "help" as const;
  if (v.json && v.csv) throw new UsageError("choose one of --json and --csv");
  if (v.principal !== undefined && v["all-principals"]) {
    throw new UsageError("choose one of --principal and --all-principals");
  }
  const status = v.status === undefined ? undefined : listedStatus.safeParse(v.status).data;
  if (v.status !== undefined && status === undefined) {
    throw new UsageError(`--status must be one of ${listedStatus.options.join(", ")}`);
  }
  const limit = v.limit === undefined ? 100 : Number(v.limit);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new UsageError("--limit must be a whole number of at least 1");
  const query = {
    principal: v["all-principals"] ? null : (v.principal ?? LOCAL_PRINCIPAL),
    since: v.since === undefined ? undefined : parseTime(v.since, "--since"),
    until: v.until === undefined ? undefined : parseTime(v.until, "--until"),
    host: v.host?.toLowerCase(),
    status,
  };
  const format = v.json ? "json" : v.csv ? "csv" : "table";
  return { query, limit, format } as const;
}

const RELATIVE = /^(\d+)([hd])$/;

/** An ISO 8601 date or date-time (a bare date is UTC midnight), or `<n>h` / `<n>d` before now. */
function parseTime(value: string, flag: string): Date {
  const relative = RELATIVE.exec(value);
  if (relative) {
    const hours = Number(relative[1]) * (relative[2] === "d" ? 24 : 1);
    return new Date(Date.now() - hours * 3_600_000);
  }
  const date = /^\d{4}-\d{2}-\d{2}(T|$)/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new UsageError(`${flag} must be an ISO date or time (2026-11-01, 2026-11-01T12:00:00Z) or like 24h or 7d`);
  }
  return date;
}
