import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

/** The compiled CLI and the two baseline servers, all plain `node <file>` in one package dir. */
export interface BenchPackage {
  /** dist/cli.js as `npm run build` makes it */
  cli: string;
  /** a bare MCP SDK stdio server with one no-op tool */
  bareStdio: string;
  /** the SDK's stateless streamable HTTP example with one no-op tool; prints its URL like `pag0 http` does */
  bareHttp: string;
}

const NOOP_TOOL = `server.registerTool("noop", { description: "does nothing" }, async () => ({
  content: [{ type: "text", text: "ok" }],
}));`;

const BARE_STDIO = `import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
const server = new McpServer({ name: "bare", version: "0" });
${NOOP_TOOL}
await server.connect(new StdioServerTransport());
`;

// examples/server/simpleStatelessStreamableHttp.js, minus its demo tools and console logging
const BARE_HTTP = `import { createMcpExpressApp } from "@modelcontextprotocol/sdk/server/express.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
const getServer = () => {
  const server = new McpServer({ name: "bare-stateless", version: "0" });
  ${NOOP_TOOL}
  return server;
};
const app = createMcpExpressApp();
app.post("/mcp", async (req, res) => {
  const server = getServer();
  try {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
    res.on("close", () => {
      transport.close();
      server.close();
    });
  } catch (error) {
    process.stderr.write(String(error) + "\\n");
    if (!res.headersSent) res.status(500).json({ jsonrpc: "2.0", error: { code: -32603, message: "Internal server error" }, id: null });
  }
});
const listener = app.listen(0, "127.0.0.1", () => {
  process.stderr.write("bare listening on http://127.0.0.1:" + listener.address().port + "/mcp\\n");
});
process.once("SIGTERM", () => listener.close(() => process.exit(0)));
`;

/**
 * `npm run build`'s output (tsc, then the ledger snapshot) in `dir`, beside links to this checkout's node_modules and migrations, and the baseline
 * servers as .mjs files there, so every server runs the same way: `node <file>`, no tsx. Asynchronous: the world's
 * chain and servers in this process must keep answering meanwhile.
 */
export async function buildPackage(dir: string): Promise<BenchPackage> {
  mkdirSync(dir, { recursive: true });
  await promisify(execFile)(process.execPath, [
    join("node_modules", "typescript", "bin", "tsc"),
    "-p",
    "tsconfig.build.json",
    "--outDir",
    join(dir, "dist"),
  ]);
  copyFileSync("package.json", join(dir, "package.json"));
  symlinkSync(resolve("node_modules"), join(dir, "node_modules"));
  symlinkSync(resolve("supabase"), join(dir, "supabase"));
  // as `npm run build` does: new data dirs start from the ledger snapshot
  await promisify(execFile)(process.execPath, [join(dir, "dist", "ledger", "buildLedgerSnapshot.js")]);
  const bareStdio = join(dir, "bare-stdio.mjs");
  const bareHttp = join(dir, "bare-http.mjs");
  writeFileSync(bareStdio, BARE_STDIO);
  writeFileSync(bareHttp, BARE_HTTP);
  return { cli: join(dir, "dist", "cli.js"), bareStdio, bareHttp };
}
