import { toDecimal } from "../money.js";

/** Something an operator should hear about now, not at the next look at `/metrics`. */
export type AlertEvent =
  | {
      kind: "budget_threshold";
      principal: string;
      window: "daily" | "monthly";
      /** spent + reserved in the window, atomic USDC */
      used: bigint;
      limit: bigint;
      /** when the window resets: it also names the window, so each day (month) alerts once */
      resetsAt: Date;
    }
  | {
      kind: "payment_unknown";
      principal: string;
      receiptId: string;
      /** the paid URL, redacted (redactUrl) */
      url: string;
    }
  | {
      kind: "audit_backlog";
      oldestUnanchoredSeconds: number;
      limitSeconds: number;
      unanchored: number;
      /** the n-th time the backlog passed its limit in this process */
      crossing: number;
    }
  | { kind: "ledger_down"; ledger: string; outage: number }
  | { kind: "ledger_up"; ledger: string; outage: number; downSeconds: number };

export type AlertKind = AlertEvent["kind"];

/** The share of a budget whose crossing alerts, as a fraction: 4/5 = 80%. */
export const BUDGET_ALERT_SHARE = { num: 4n, den: 5n };

/** One alert per principal, window and period; per unknown payment; per backlog crossing; per outage and recovery. */
export function alertKey(e: AlertEvent): string {
  switch (e.kind) {
    case "budget_threshold":
      return `${e.kind}:${e.principal}:${e.window}:${e.resetsAt.toISOString()}`;
    case "payment_unknown":
      return `${e.kind}:${e.receiptId}`;
    case "audit_backlog":
      return `${e.kind}:${e.crossing}`;
    case "ledger_down":
    case "ledger_up":
      return `${e.kind}:${e.outage}`;
  }
}

/** One line for a human, in the chat where the webhook posts. */
export function alertText(e: AlertEvent): string {
  switch (e.kind) {
    case "budget_threshold": {
      const share = e.limit > 0n ? Number((e.used * 100n) / e.limit) : 100;
      return `Pag0: principal "${e.principal}" has used ${toDecimal(e.used)} of its ${toDecimal(e.limit)} USDC ${e.window} budget (${share}%). It resets at ${e.resetsAt.toISOString()}.`;
    }
    case "payment_unknown":
      return `Pag0: a payment by "${e.principal}" to ${e.url} has an unknown outcome (receipt ${e.receiptId}). Its amount stays reserved until the reconciler reads the chain.`;
    case "audit_backlog":
      return `Pag0: audit receipts wait ${e.oldestUnanchoredSeconds} s to be anchored, over the ${e.limitSeconds} s limit (${e.unanchored} unanchored).`;
    case "ledger_down":
      return `Pag0: the ${e.ledger} spend ledger is unavailable. Paid calls are refused until it answers.`;
    case "ledger_up":
      return `Pag0: the ${e.ledger} spend ledger answers again after ${e.downSeconds} s. Paid calls work again.`;
  }
}

/**
 * The JSON body of a webhook post: Discord reads `content`, Slack reads `text`, and `pag0` carries the event for a
 * machine (amounts as decimal strings). Mentions are switched off, so a name in the text pings nobody.
 */
export function alertPayload(e: AlertEvent, at: Date): Record<string, unknown> {
  const text = alertText(e);
  const fields = Object.fromEntries(
    Object.entries(e).map(([k, v]) => [
      k,
      typeof v === "bigint" ? toDecimal(v) : v instanceof Date ? v.toISOString() : v,
    ]),
  );
  return { content: text, text, allowed_mentions: { parse: [] }, pag0: { ...fields, at: at.toISOString() } };
}
