import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import express, { type NextFunction, type Request, type Response } from "express";
import { dashboardApi } from "./dashboardApi.js";
import { type DashboardAuthOptions, dashboardAuth } from "./dashboardAuth.js";
import type { OperatorViewDeps } from "./operatorView.js";

// the page, its script and styles: copied beside this module by `npm run build` (dist/dashboard/public)
const PUBLIC = fileURLToPath(new URL("./public/", import.meta.url));
// the chart library comes from its npm package (a dependency), never from a CDN
const require = createRequire(import.meta.url);
const VENDOR = new Map([
  ["uPlot.iife.min.js", require.resolve("uplot/dist/uPlot.iife.min.js")],
  ["uPlot.min.css", require.resolve("uplot/dist/uPlot.min.css")],
]);

/** Everything the page loads is its own: no inline script, no other origin, never framed. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

function securityHeaders(_req: Request, res: Response, next: NextFunction) {
  res.set({
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
  });
  next();
}

/**
 * The spend dashboard, mounted at /dashboard: the page shell and its static files load without a key (they hold
 * no data; the page asks for the key), and every request under /dashboard/api needs the token or an operator key.
 */
export function dashboardRoutes(deps: OperatorViewDeps, auth: DashboardAuthOptions) {
  const router = express.Router({ strict: false });
  router.use(securityHeaders);
  router.get("/", (_req, res) =>
    res.sendFile("index.html", { root: PUBLIC, headers: { "Cache-Control": "no-store" } }),
  );
  router.use("/static", express.static(PUBLIC, { index: false }));
  router.get("/vendor/:file", (req, res) => {
    const file = VENDOR.get(req.params.file);
    if (!file) return res.status(404).end();
    return res.sendFile(file, { maxAge: "1d" });
  });
  router.use("/api", dashboardAuth(auth), dashboardApi(deps));
  router.use((_req, res) => res.status(404).type("text/plain").send("Not found"));
  return router;
}
