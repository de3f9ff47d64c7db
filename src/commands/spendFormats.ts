import type { ListedSpend } from "../ledger/ledger.js";
import { toDecimal } from "../money.js";

/** One ledger row (or refused call) as `pag0 spend` prints it (JSON and CSV): money as decimal strings, atomic units beside. */
export interface SpendRecord {
  receiptId: string;
  at: string;
  principal: string;
  status: string;
  amount: string;
  amountAtomic: string;
  asset: string;
  network: string;
  payTo: string;
  method: string;
  /** as stored: query secrets already redacted */
  url: string;
  host: string;
  txHash: string | null;
  /** why a call was refused, or a row released or held as unknown (an error code) */
  outcomeCode: string | null;
}

export const toSpendRecord = (r: ListedSpend): SpendRecord => ({
  receiptId: r.id,
  at: r.createdAt.toISOString(),
  principal: r.principal,
  status: r.status,
  amount: toDecimal(r.amount),
  amountAtomic: r.amount.toString(),
  asset: r.quote.asset,
  network: r.quote.network,
  payTo: r.quote.payTo,
  method: r.request.method,
  url: r.request.url,
  host: r.request.host,
  txHash: r.txHash,
  outcomeCode: r.outcomeCode,
});

const CSV_COLUMNS: (keyof SpendRecord)[] = [
  "receiptId",
  "at",
  "principal",
  "status",
  "amount",
  "amountAtomic",
  "asset",
  "network",
  "payTo",
  "method",
  "url",
  "host",
  "txHash",
  "outcomeCode",
];

/** RFC 4180: a field with a comma, quote or line break is quoted, and its quotes doubled. */
export function csvField(value: string | null): string {
  const s = value ?? "";
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A CSV document with a header line, CRLF line ends (RFC 4180, and what spreadsheets expect). */
export function formatCsv(records: SpendRecord[]): string {
  const lines = [CSV_COLUMNS.join(","), ...records.map((r) => CSV_COLUMNS.map((c) => csvField(r[c])).join(","))];
  return `${lines.join("\r\n")}\r\n`;
}

const MAX_URL = 60;
const shorten = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const shortHash = (h: string | null) => (h ? `${h.slice(0, 10)}…${h.slice(-4)}` : "-");

/** An aligned plain-text table for a terminal; long URLs and hashes are shortened (JSON and CSV keep them whole). */
export function formatTable(records: SpendRecord[], options: { showPrincipal: boolean }): string {
  const header = ["ID", "AT (UTC)", ...(options.showPrincipal ? ["PRINCIPAL"] : []), "STATUS", "USDC"];
  const rest = ["NETWORK", "METHOD", "URL", "TX"];
  const rows = records.map((r) => [
    r.receiptId,
    r.at.replace("T", " ").replace(/\.\d+Z$/, "Z"),
    ...(options.showPrincipal ? [r.principal] : []),
    r.outcomeCode ? `${r.status} (${r.outcomeCode})` : r.status,
    r.amount,
    r.network,
    r.method,
    shorten(r.url, MAX_URL),
    shortHash(r.txHash),
  ]);
  const all = [[...header, ...rest], ...rows];
  const amountColumn = header.length - 1;
  const widths = all[0]!.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === amountColumn ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
