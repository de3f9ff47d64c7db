import type { Command } from "./command.js";

export const demo: Command = {
  summary: "run the whole offline x402 world end to end (from a source checkout: npm run demo)",
  async run() {
    // the demo drives the test world (a local chain and paid APIs), which lives in the source checkout
    process.stderr.write("pag0 demo runs from a source checkout: git clone, then `npm install && npm run demo`.\n");
    return 2;
  },
};
