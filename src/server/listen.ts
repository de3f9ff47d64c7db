import type { Server } from "node:http";
import { createServer } from "node:net";
import type { Express } from "express";

/**
 * `app.listen(port, host)` as a promise; a busy port rejects at once with one line that says what to do.
 * @example const server = await listen(app, 8402, "127.0.0.1", "set PORT");
 */
export function listen(app: Express, port: number, host: string, remedy: string): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    // Express 5 hands a listen error to this callback (and emits no "error" event)
    const s = app.listen(port, host, (e?: NodeJS.ErrnoException) => {
      if (!e) return resolve(s);
      reject(e.code === "EADDRINUSE" ? busy(port, host, remedy) : e);
    });
  });
}

/**
 * Rejects, with `listen`'s one line, when `port` on `host` is taken; else binds it for a moment and lets it go.
 * Commands call it before loading the app, so a busy port is refused before anything else starts.
 */
export function assertPortFree(port: number, host: string, remedy: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (e: NodeJS.ErrnoException) => reject(e.code === "EADDRINUSE" ? busy(port, host, remedy) : e));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

const busy = (port: number, host: string, remedy: string) =>
  new Error(`port ${port} on ${host} is already in use: stop the other server or ${remedy}`);
