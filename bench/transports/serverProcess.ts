import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";

/** An HTTP server running as its own process, reached at `url`. */
export interface ServerProcess {
  url: string;
  pid: number;
  /** VmRSS and VmHWM of the process, in MiB */
  memory(): { rssMiB: number; hwmMiB: number };
  /** SIGTERM, then wait for the exit (a --cpu-prof profile is written on exit) */
  stop(): Promise<void>;
}

/** Spawn `node <args>` and wait for it to print `listening on http://…/mcp` on stderr (both servers do). */
export async function startServerProcess(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" after ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    child.stderr!.on("data", (d) => {
      stderr = (stderr + String(d)).slice(-8000);
      const m = /listening on (http:\/\/\S+\/mcp)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited with ${code} before listening:\n${stderr}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url,
    pid: child.pid!,
    memory: () => procMemory(child),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function procMemory(child: ChildProcess): { rssMiB: number; hwmMiB: number } {
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib("VmRSS") / 1024, hwmMiB: kib("VmHWM") / 1024 };
}

/** Run a one-shot `pag0 <command>` and return its stdout; throws with its stderr when it fails. */
export async function runCli(cli: string, args: string[], env: Record<string, string>): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    return stdout;
  } catch (e) {
    throw new Error(`pag0 ${args.join(" ")} failed: ${(e as { stderr?: string }).stderr ?? e}`);
  }
}
