import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Agent, fetch as undiciFetch } from "undici";
import { type Address, type Hex, http, numberToHex } from "viem";

/** A local EVM JSON-RPC node on 127.0.0.1. */
export interface Chain {
  rpcUrl: string;
  chainId: number;
  /** One raw JSON-RPC call; a JSON-RPC error becomes a thrown Error. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Sets the native balance of `address` to `wei`. */
  fund(address: Address, wei: bigint): Promise<void>;
  /** Replaces the runtime code at `address`. */
  setCode(address: Address, code: Hex): Promise<void>;
  /** The last lines hardhat printed, for error messages. */
  logTail(): string;
  stop(): Promise<void>;
}

export interface StartChainOptions {
  /** Default 84532: Base Sepolia's id, so v2 `eip155:84532` and v1 `base-sepolia` both point here. */
  chainId?: number;
  startTimeoutMs?: number;
}

const LOG_TAIL_CHARS = 20_000;
/**
 * Preloaded into the hardhat process: it exits when its stdin pipe closes, i.e. when the test process
 * dies. The "exit" listener below misses SIGKILL and signals (a killed vitest worker); this does not.
 */
const EXIT_WITH_PARENT = "data:text/javascript,process.stdin.on('end',()=>process.exit(0)).resume()";
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Starts `hardhat node` 2.29 (Rust EDR) as a child process on a free port.
 * Hardhat 3 would run in process but needs Node 22; Hardhat 2's in-process server is an internal API.
 */
export async function startChain(options: StartChainOptions = {}): Promise<Chain> {
  const chainId = options.chainId ?? 84532;
  const configDir = mkdtempSync(join(tmpdir(), "pag0-hardhat-"));
  const configPath = join(configDir, "hardhat.config.cjs");
  writeFileSync(
    configPath,
    // Same-second blocks keep chain time on the wall clock: otherwise every automined block adds a second, and
    // after a burst of payments block.timestamp runs past the validBefore the client derived from Date.now().
    `module.exports = { networks: { hardhat: { chainId: ${chainId}, accounts: { count: 1 }, allowBlocksWithSameTimestamp: true } } };\n`,
  );

  const cli = createRequire(import.meta.url).resolve("hardhat/internal/cli/cli");
  // Port 0 lets the OS pick; hardhat prints the real address, so there is no probe-then-bind race.
  const child = spawn(
    process.execPath,
    ["--import", EXIT_WITH_PARENT, cli, "--config", configPath, "node", "--hostname", "127.0.0.1", "--port", "0"],
    {
      cwd: repoRoot,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
    },
  );
  const killChild = () => child.kill("SIGKILL");
  process.once("exit", killChild);

  // Hardhat logs every RPC call; keep only a tail so a long test run does not grow memory.
  let log = "";
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-LOG_TAIL_CHARS);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);

  let rpcUrl: string;
  try {
    rpcUrl = await waitForAddress(child, () => log, options.startTimeoutMs ?? 60_000);
  } catch (error) {
    child.kill("SIGKILL");
    process.removeListener("exit", killChild);
    throw error;
  } finally {
    // Hardhat has read its config once it listens, so nothing is left behind even if the test dies.
    rmSync(configDir, { recursive: true, force: true });
  }

  const rpc = <T>(method: string, params: unknown[] = []) => rpcCall<T>(rpcUrl, method, params);
  return {
    rpcUrl,
    chainId,
    rpc,
    fund: async (address, wei) => void (await rpc("hardhat_setBalance", [address, numberToHex(wei)])),
    setCode: async (address, code) => void (await rpc("hardhat_setCode", [address, code])),
    logTail: () => log,
    stop: () => stopChild(child).finally(() => process.removeListener("exit", killChild)),
  };
}

function waitForAddress(child: ChildProcess, log: () => string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /JSON-RPC server at (http:\/\/127\.0\.0\.1:\d+)/.exec(log());
      if (match?.[1]) finish(() => resolve(match[1] as string));
    };
    const onExit = (code: number | null) =>
      finish(() => reject(new Error(`hardhat node exited (code ${code}) before listening:\n${log()}`)));
    const timer = setTimeout(
      () => finish(() => reject(new Error(`hardhat node did not start in ${timeoutMs} ms:\n${log()}`))),
      timeoutMs,
    );
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      settle();
    };
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 3_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

// Hardhat's server drops keep-alive sockets (after 5 s idle, and under load sooner). A client that reuses one just
// then gets "other side closed": seen under CI load after a test that slept, and on a loaded 2-core machine even
// with idle sockets closed after 1 s on our side. So no keep-alive at all: one loopback connection per RPC call.
const rpcAgent = new Agent({ pipelining: 0 });

async function rpcCall<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const response = await undiciFetch(url, {
    dispatcher: rpcAgent,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** viem's transport to the world's chain: no retries (a test sees every failure), no stale keep-alive sockets. */
export function chainTransport(rpcUrl: string) {
  return http(rpcUrl, {
    retryCount: 0,
    fetchFn: (input, init) => undiciFetch(input as string, { ...init, dispatcher: rpcAgent } as never) as never,
  });
}
