import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { World } from "../world/world.js";

/**
 * A transport that runs `pag0 stdio` from source as a child process, the way an MCP host does, paying on `world`.
 * Its data dir and config file live in a fresh temp dir; `env` adds or overrides settings (several processes share
 * one data dir, and so one embedded ledger, with the same `PAG0_DATA_DIR`).
 */
export function pag0StdioTransport(
  world: World,
  env: Record<string, string>,
  stderr: "pipe" | "inherit" = "pipe",
): StdioClientTransport {
  const dir = mkdtempSync(join(tmpdir(), "pag0-stdio-"));
  writeFileSync(join(dir, "pag0.json"), JSON.stringify({ networks: [world.networkConfig] }));
  return new StdioClientTransport({
    command: process.execPath,
    args: ["--import", "tsx", "src/cli.ts", "stdio"],
    env: {
      PATH: process.env.PATH ?? "",
      PAG0_CONFIG: join(dir, "pag0.json"),
      PAG0_DATA_DIR: join(dir, "data"),
      PAG0_ALLOW_PRIVATE_HOSTS: "true", // the world's APIs live on 127.0.0.1
      ...env,
    },
    stderr,
  });
}
