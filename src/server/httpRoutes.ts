import express, { type Request, type Response } from "express";
import type { HttpApp } from "./http.js";
import { httpRefusal } from "./httpRefusal.js";

/** GET /health: each dependency's status; 503 when the ledger (money) cannot be reached. */
export function healthRoute(deps: HttpApp) {
  return async function health(_req: Request, res: Response) {
    const started = performance.now();
    const ledger = await deps.ledger
      .getSpend("0")
      .then(() => ({ status: "ok" as const, latencyMs: Math.round(performance.now() - started) }))
      .catch(() => ({ status: "down" as const }));
    const checks = {
      ledger: { kind: deps.ledger.kind, ...ledger },
      wallet: { status: deps.wallet ? "configured" : "missing", address: deps.wallet?.address ?? null },
      networks: [...deps.config.networks.keys()],
    };
    const ok = ledger.status === "ok";
    res.status(ok ? 200 : 503).json({ status: ok ? (deps.wallet ? "ok" : "degraded") : "down", checks });
  };
}

/** GET /metrics: Prometheus text, operators only. */
export function metricsRoute(deps: HttpApp) {
  return async function metrics(_req: Request, res: Response) {
    const registry = deps.metrics.registry;
    res.set("Content-Type", registry.contentType).send(await registry.metrics());
  };
}

/**
 * Out-of-band approval of large payments by a human operator (never by a tool):
 * GET /approvals?status=pending, POST /approvals/:id/approve, POST /approvals/:id/deny.
 */
export function approvalRoutes(deps: Pick<HttpApp, "ledger" | "log">) {
  const router = express.Router();
  router.get("/", async (req, res) => {
    const status = typeof req.query.status === "string" ? req.query.status : undefined;
    res.json({ approvals: await deps.ledger.listApprovals(status as never) });
  });
  router.post("/:id/:decision", async (req, res) => {
    const { id, decision } = req.params;
    if (decision !== "approve" && decision !== "deny")
      return httpRefusal(res, 404, "INVALID_INPUT", "Use /approve or /deny.");
    const r = await deps.ledger.decideApproval(id, decision === "approve");
    deps.log.info({ approvalId: id, decision, ok: r.ok }, "approval decided");
    return res.status(r.ok ? 200 : 409).json(r);
  });
  return router;
}
