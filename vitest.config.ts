import { defineConfig } from "vitest/config";
import LongFilesFirst from "./test/longFilesFirst.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file starts its own local chain and ledger; two cores run two files at a time well.
    fileParallelism: true,
    maxWorkers: 2,
    pool: "forks",
    sequence: { sequencer: LongFilesFirst },
  },
});
