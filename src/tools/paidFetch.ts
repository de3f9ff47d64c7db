import { randomUUID } from "node:crypto";
import * as z from "zod";
import { deny } from "../denial.js";
import type { BudgetSnapshot } from "../ledger/budgetSnapshot.js";
import { isDecimalAmount, toAtomic, toDecimal } from "../money.js";
import type { CallContext, Delivered, Outcome } from "../pipeline/context.js";
import { REQUEST_HOP_BY_HOP } from "../upstream/headers.js";
import { defineTool } from "./defineTool.js";
import { amount, budgetSummary } from "./schemas.js";

export interface PaidFetchDeps {
  /** the pipeline: precheck → cache → payment */
  run(ctx: CallContext): Promise<Outcome>;
  budget: BudgetSnapshot;
}

/** Request headers the agent may not set: hop-by-hop, and the payment headers only Pag0 writes. */
const DROPPED_HEADERS = new Set([...REQUEST_HOP_BY_HOP, "payment-signature", "x-payment"]);

const inputSchema = {
  url: z.string().min(1).describe("The http(s) URL to call. If it answers 402 Payment Required, Pag0 pays it in USDC."),
  method: z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]).default("GET").describe("HTTP method."),
  headers: z
    .record(z.string(), z.string())
    .optional()
    .describe("Request headers. Hop-by-hop and payment headers are dropped; credentials go only to this URL's host."),
  body: z.string().optional().describe("Raw request body. Use `json` instead for a JSON body."),
  json: z.unknown().optional().describe("A JSON request body (sets content-type: application/json). Not with `body`."),
  maxPrice: z
    .string()
    .refine(isDecimalAmount, "must be a decimal USDC amount like 0.05")
    .optional()
    .describe('Most you are willing to pay for this call, in USDC (e.g. "0.05"). Can only lower the policy limit.'),
  idempotencyKey: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("Reuse the same key when retrying the same logical request: it is never paid twice."),
  cache: z
    .enum(["default", "bypass"])
    .default("default")
    .describe(
      "`default`: a response already paid for that is still fresh is returned from the cache at no cost " +
        "(`cached: true`, `saved`). `bypass`: fetch (and pay) again, and refresh the cached copy.",
    ),
};

const payment = z
  .object({
    amount,
    amountAtomic: z.string(),
    asset: z.string(),
    network: z.string(),
    payTo: z.string(),
    payer: z.string(),
    txHash: z.string().nullable(),
    x402Version: z.number(),
  })
  .nullable();

const outputSchema = {
  status: z.number(),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  bodyEncoding: z.enum(["utf8", "base64"]),
  truncated: z.boolean(),
  cached: z.boolean(),
  payment,
  receiptId: z.string().nullable(),
  /** null when the ledger could not be read (a free call still succeeds then) */
  budget: budgetSummary.nullable(),
  saved: amount.optional(),
};

export const paidFetch = (deps: PaidFetchDeps) =>
  defineTool({
    name: "paid_fetch",
    title: "Paid fetch (x402)",
    description:
      "Call an HTTP API. If it answers 402 Payment Required (x402), pay it in USDC within the spend policy and " +
      "return the paid response with a receipt. Refused payments cost nothing and say why.",
    inputSchema,
    outputSchema,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    scope: "fetch",
    async handler(input, tool) {
      if (input.body !== undefined && input.json !== undefined) {
        return deny("INVALID_INPUT", "Send either `body` or `json`, not both.");
      }
      let url: URL;
      try {
        url = new URL(input.url);
      } catch {
        return deny("INVALID_INPUT", `Not a valid URL: ${input.url.slice(0, 200)}`);
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(input.headers ?? {})) {
        if (!DROPPED_HEADERS.has(k.toLowerCase())) headers[k.toLowerCase()] = v;
      }
      let body = input.body;
      if (input.json !== undefined) {
        body = JSON.stringify(input.json);
        headers["content-type"] = "application/json";
      }
      const ctx: CallContext = {
        principal: tool.principal,
        request: { method: input.method, url, headers, body },
        maxPrice: input.maxPrice === undefined ? undefined : toAtomic(input.maxPrice),
        idempotencyKey: input.idempotencyKey ?? randomUUID(),
        ownIdempotencyKey: input.idempotencyKey !== undefined,
        cacheMode: input.cache,
        signal: tool.signal,
        log: tool.log,
        elicitApproval: tool.elicitApproval,
        progress: tool.progress,
      };
      const outcome = await deps.run(ctx);
      if (outcome.kind === "denied") return outcome;
      // a payment reads the budget it just moved; a free call or a cache hit may read a snapshot up to 1 s old, and
      // one whose precheck found the ledger unreadable does not wait for it a second time
      if (ctx.hostPolicyUnread && !outcome.payment) return toOutput(outcome, null);
      const budget =
        outcome.budget ?? (outcome.payment ? deps.budget.refresh(tool.principal) : deps.budget.get(tool.principal));
      return toOutput(outcome, await budgetSummaryOf(budget));
    },
    text(out) {
      const paid = out.payment
        ? `Paid ${out.payment.amount} USDC on ${out.payment.network}${out.payment.txHash ? ` (tx ${out.payment.txHash})` : " (settlement pending)"}.`
        : out.cached
          ? `Served from the cache: no payment, saved ${out.saved} USDC.`
          : "No payment.";
      const body = out.bodyEncoding === "utf8" ? out.body : `[${out.body.length} base64 characters of binary body]`;
      return `HTTP ${out.status}. ${paid} ${out.budget ? `Budget left today: ${out.budget.remainingToday} USDC.` : ""}${out.truncated ? " Body truncated." : ""}\n\n${body}`;
    },
  });

async function budgetSummaryOf(status: ReturnType<BudgetSnapshot["get"]>) {
  const s = await status.catch(() => undefined);
  if (s === undefined) return null;
  return {
    remainingToday: toDecimal(s?.remaining.today ?? 0n),
    remainingMonth: toDecimal(s?.remaining.month ?? 0n),
  };
}

function toOutput(o: Delivered, budget: { remainingToday: string; remainingMonth: string } | null) {
  const { body, encoding } = encodeBody(o.response.body, o.response.headers["content-type"]);
  return {
    status: o.response.status,
    headers: o.response.headers,
    body,
    bodyEncoding: encoding,
    truncated: o.response.truncated,
    cached: o.cache !== undefined,
    ...(o.cache ? { saved: toDecimal(o.cache.saved) } : {}),
    payment: o.payment && {
      amount: toDecimal(o.payment.amount),
      amountAtomic: o.payment.amount.toString(),
      asset: o.payment.asset,
      network: o.payment.network,
      payTo: o.payment.payTo,
      payer: o.payment.payer,
      txHash: o.payment.txHash,
      x402Version: o.payment.x402Version,
    },
    receiptId: o.spend?.id ?? null,
    budget,
  };
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Text stays text for the model; anything that is not valid UTF-8 is returned as base64. */
function encodeBody(bytes: Uint8Array, contentType = ""): { body: string; encoding: "utf8" | "base64" } {
  const binary = /^(image|audio|video|application\/(octet-stream|pdf|zip))/i.test(contentType);
  if (!binary) {
    try {
      return { body: UTF8.decode(bytes), encoding: "utf8" };
    } catch {
      // a truncated multi-byte character or real binary: fall through
    }
  }
  return { body: Buffer.from(bytes).toString("base64"), encoding: "base64" };
}
