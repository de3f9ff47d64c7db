import { type ChildProcess, spawn } from "node:child_process";

export interface Pag0HttpProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port> */
  url: string;
  /** everything it wrote to stderr so far */
  stderr: () => string;
}

/** One `pag0 http` process (`src/cli.ts http` under tsx) on 127.0.0.1 with only `env`; resolves once it listens. */
export function startPag0HttpProcess(env: Record<string, string>): Promise<Pag0HttpProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "http"], {
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  return new Promise((resolve, reject) => {
    child.stderr?.on("data", (d) => {
      log += String(d);
      const m = log.match(/listening on (http:\/\/\S+)\/mcp/);
      if (m?.[1]) resolve({ child, url: m[1], stderr: () => log });
    });
    child.once("exit", (code) => reject(new Error(`pag0 http exited (${code}): ${log}`)));
  });
}
