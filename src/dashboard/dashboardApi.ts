import express, { type NextFunction, type Request, type Response } from "express";
import { receiptProofs } from "../audit/receiptProofs.js";
import { isPag0Error } from "../errors.js";
import { approvalRoutes } from "../server/httpRoutes.js";
import { type OperatorViewDeps, operatorView, type SpendItem } from "./operatorView.js";
import { spendByDay, utcDayStart } from "./spendByDay.js";

/** Days the spend chart covers, today included. */
export const CHART_DAYS = 30;
/** list_spend pages (100 rows each) the chart reads at most; past that it says it is truncated. */
const MAX_CHART_PAGES = 20;
const PAYMENTS_PAGE = 25;

/**
 * The dashboard's JSON, behind its auth: GET overview (chart, budgets, savings), GET payments (list_spend pages),
 * GET receipts/:id/proof (proof bundles), GET approvals (waiting), POST approvals/:id/approve|deny.
 */
export function dashboardApi(deps: OperatorViewDeps) {
  const view = operatorView(deps);
  const router = express.Router();
  router.use((_req, res, next) => {
    res.set("Cache-Control", "no-store");
    next();
  });

  router.get("/overview", async (_req, res) => {
    const now = new Date();
    const since = utcDayStart(now, CHART_DAYS - 1).toISOString();
    const items: SpendItem[] = [];
    let cursor: string | undefined;
    let totals: { spent: string; saved: string; count: number } | undefined;
    for (let page = 0; page < MAX_CHART_PAGES; page++) {
      const p = await view.spend({ since, status: "settled", limit: 100, cursor });
      totals ??= p.totals;
      items.push(...p.items);
      cursor = p.nextCursor ?? undefined;
      if (!cursor) break;
    }
    const principals = (await deps.ledger.listPrincipals()).map((p) => p.principal).sort();
    const budgets = await Promise.all(
      principals.map(async (principal) => ({ principal, budget: await view.budget(principal) })),
    );
    res.json({
      generatedAt: now.toISOString(),
      since,
      chart: { ...spendByDay(items, CHART_DAYS, now), truncated: cursor !== undefined },
      totals,
      cacheHits: items.filter((i) => i.cached).length,
      budgets,
    });
  });

  router.get("/payments", async (req, res) => {
    const cursor = typeof req.query.cursor === "string" && req.query.cursor !== "" ? req.query.cursor : undefined;
    res.json(await view.spend({ limit: PAYMENTS_PAGE, cursor }));
  });

  router.get("/receipts/:id/proof", async (req, res) => {
    res.json(await receiptProofs(deps.ledger, req.params.id));
  });

  router.get("/approvals", async (_req, res) => {
    const now = Date.now();
    const waiting = (await deps.ledger.listApprovals("pending")).filter((a) => a.expiresAt.getTime() > now);
    res.json({ approvals: waiting });
  });
  // the same decision path as POST /approvals/:id/approve under `pag0 http` and `pag0 approvals approve`
  router.use("/approvals", approvalRoutes(deps));

  router.use((_req, res) => {
    res.status(404).json({ error: { code: "INVALID_INPUT", message: "No such dashboard endpoint." } });
  });
  router.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    deps.log.error({ err }, "dashboard request failed");
    if (isPag0Error(err)) return res.status(503).json({ error: { code: err.code, message: err.message } });
    return res.status(500).json({ error: { code: "INTERNAL", message: "The dashboard hit an internal error." } });
  });
  return router;
}
