import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Command } from "./command.js";

/** The checkout this file sits in (src/commands or dist/commands): the demo's world lives in its test/ folder. */
const CHECKOUT = fileURLToPath(new URL("../../", import.meta.url));
const SCRIPT = `${CHECKOUT}scripts/demo.ts`;

export const demo: Command = {
  usage:
    "Usage: pag0 demo\n\nRuns the whole offline x402 world end to end, policy → cache → x402 → audit: a local chain with test USDC, the\nx402 facilitator, a paid API, a local audit chain standing in for SKALE, and pag0 stdio driven by an MCP client.\nIt needs a source checkout with its dev dependencies (`npm install && npm run demo` does the same).\n",
  summary: "run the whole offline x402 world end to end (from a source checkout: npm run demo)",
  async run() {
    // the demo drives the test world (local chains and paid APIs), which the npm package does not ship
    if (!existsSync(SCRIPT) || !existsSync(`${CHECKOUT}node_modules/tsx`)) {
      process.stderr.write("pag0 demo runs from a source checkout: git clone, then `npm install && npm run demo`.\n");
      return 2;
    }
    const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], { cwd: CHECKOUT, stdio: "inherit" });
    return new Promise<number>((resolve) => {
      child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      child.on("error", () => resolve(1));
    });
  },
};
