import type { Command } from "./command.js";

export const demo: Command = {
  usage:
    "Usage: pag0 demo\n\nRuns the whole offline x402 world end to end (local chain, test USDC, facilitator, paid APIs); from a source\ncheckout run `npm run demo`.\n",
  summary: "run the whole offline x402 world end to end (from a source checkout: npm run demo)",
  async run() {
    // the demo drives the test world (a local chain and paid APIs), which lives in the source checkout
    process.stderr.write("pag0 demo runs from a source checkout: git clone, then `npm install && npm run demo`.\n");
    return 2;
  },
};
