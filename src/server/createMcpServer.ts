import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Deps } from "../deps.js";
import { lazy } from "../lazy.js";
import type { BudgetLimits } from "../ledger/ledger.js";
import { toDecimal } from "../money.js";
import type { CallContext } from "../pipeline/context.js";
import { getBudget } from "../tools/getBudget.js";
import { listSpend } from "../tools/listSpend.js";
import { paidFetch } from "../tools/paidFetch.js";
import { registerTools, type SeamDeps } from "./toolSeam.js";

export const SERVER_INFO = { name: "pag0", version: "0.1.0" };

/** One MCP server with the three tools, every call running policy → payment through one pipeline. */
export function createMcpServer(deps: Deps, callerOf: SeamDeps["callerOf"], limits?: BudgetLimits): McpServer {
  const { config } = deps;
  // the pipeline's modules (x402, audit, policy) load at the first call, not before `initialize` is answered
  const pipeline = lazy(async () => (await import("../pipeline/createPipeline.js")).createPipeline(deps));
  const run = async (ctx: CallContext) => (await pipeline())(ctx);
  const server = new McpServer(SERVER_INFO, {
    capabilities: { logging: {} },
    instructions: instructions(deps, limits ?? deps.config.policy.limits),
  });
  registerTools(
    server,
    [
      paidFetch({ run, ledger: deps.ledger }),
      getBudget({ ledger: deps.ledger, policy: config.policy, networks: [...config.networks.keys()] }),
      listSpend({ ledger: deps.ledger }),
    ],
    { log: deps.log, callerOf, metrics: deps.metrics.tools },
  );
  return server;
}

/** What the model reads at `initialize`: the active policy, so it can plan before it spends. */
function instructions({ config, wallet }: Deps, limits: BudgetLimits): string {
  const p = config.policy;
  const hosts = p.allowedHosts.length ? ` Only these hosts: ${p.allowedHosts.join(", ")}.` : "";
  const payer = wallet
    ? `Payments are made in USDC from ${wallet.address} on ${[...config.networks.keys()].join(", ")}.`
    : "No wallet is configured: paid_fetch works for free APIs only.";
  return (
    `Pag0 pays x402 APIs for you. Use paid_fetch to call an API; if it costs money it is paid within a budget you ` +
    `cannot change: at most ${toDecimal(limits.perRequest)} USDC per request, ${toDecimal(limits.daily)} per day ` +
    `and ${toDecimal(limits.monthly)} per month (UTC).${hosts} ${payer} Check get_budget before costly work, pass ` +
    `maxPrice to cap one call, and reuse idempotencyKey when retrying so a request is never paid twice. A paid ` +
    `response that is still fresh is served again from the cache at no cost (cached: true); pass cache: "bypass" ` +
    `only when you need a newer answer.`
  );
}
