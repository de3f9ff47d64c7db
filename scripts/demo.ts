/**
 * `npm run demo`: the whole offline world end to end. A local chain with test USDC, the official x402
 * facilitator, a paid API, and `pag0 stdio` driven by the real MCP client, exactly as Claude Code would run it.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { formatUnits } from "viem";
import { pag0StdioTransport } from "../test/support/pag0StdioTransport.js";
import { startWorld } from "../test/world/world.js";

const bold = (s: string) => `\x1b[1m${s}\x1b[0m`;
const dim = (s: string) => `\x1b[2m${s}\x1b[0m`;
const usdc = (atomic: bigint) => `${formatUnits(atomic, 6)} USDC`;
const say = (s = "") => process.stdout.write(`${s}\n`);

async function main() {
  say(bold("Pag0 demo: an agent pays for APIs in USDC, within a budget it cannot raise\n"));
  say(dim("Starting a local chain, test USDC, the x402 facilitator and a paid weather API..."));
  const world = await startWorld();
  const client = new Client({ name: "pag0-demo", version: "0.1.0" });
  try {
    const payer = await world.newPayer(5_000_000n);
    const api = world.v2.payTo;
    say(
      dim(
        `Chain ${world.rpcUrl}, USDC ${world.usdc}, payer ${payer.address} holds ${usdc(await world.balanceOf(payer.address))}.`,
      ),
    );

    say(dim("Starting `pag0 stdio` with a daily budget of 0.05 USDC, as an MCP host would..."));
    const transport = pag0StdioTransport(
      world,
      { WALLET_PRIVATE_KEY: payer.key, PAG0_DAILY_BUDGET: "0.05", LOG_LEVEL: "warn" },
      "inherit",
    );
    await client.connect(transport);
    const { tools } = await client.listTools();
    say(`\n${bold("Tools:")} ${tools.map((t) => t.name).join(", ")}`);
    say(`${bold("Instructions the model reads:")} ${client.getInstructions()}\n`);

    const call = async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as { isError?: boolean; structuredContent: any };

    const weather = world.v2.route({
      path: "/weather",
      price: 20_000n,
      body: { city: "Lisbon", forecast: "sunny", c: 21 },
    });
    const report = world.v2.route({ path: "/report", price: 40_000n, body: { report: "quarterly numbers" } });

    say(bold(`1. paid_fetch ${weather}  (the API asks 0.02 USDC)`));
    const first = await call("paid_fetch", { url: weather });
    const p = first.structuredContent.payment;
    say(`   HTTP ${first.structuredContent.status}: ${first.structuredContent.body}`);
    say(`   paid ${p.amount} USDC to ${p.payTo} on ${p.network}, settlement tx ${p.txHash}`);
    say(
      `   on chain: payer now holds ${usdc(await world.balanceOf(payer.address))}, the API ${usdc(await world.balanceOf(api))}`,
    );

    say(
      bold(
        `\n2. paid_fetch ${report}  (0.04 USDC, but only ${first.structuredContent.budget.remainingToday} is left today)`,
      ),
    );
    const refused = await call("paid_fetch", { url: report });
    say(`   refused: ${refused.structuredContent.error.code}: ${refused.structuredContent.error.message}`);
    say(`   nothing was signed; the payer still holds ${usdc(await world.balanceOf(payer.address))}`);

    say(bold("\n3. get_budget"));
    const b = (await call("get_budget", {})).structuredContent;
    say(`   limits: ${b.limits.perRequest} per request, ${b.limits.daily} per day, ${b.limits.monthly} per month`);
    say(
      `   spent today ${b.spent.today}, reserved ${b.reserved}, remaining today ${b.remaining.today} (resets ${b.resetsAt.day})`,
    );

    say(bold("\n4. list_spend"));
    const spend = (await call("list_spend", {})).structuredContent;
    for (const i of spend.items)
      say(`   ${i.at}  ${i.status.padEnd(8)} ${i.amount} USDC  ${i.method} ${i.url}  tx ${i.txHash}`);
    say(`   total: ${spend.totals.count} payment(s), ${spend.totals.spent} USDC`);

    say(bold("\nDone: one payment settled on chain, one refused before signing, every cent accounted for."));
  } finally {
    await client.close();
    await world.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`demo failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
