import type { Server } from "node:http";
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
      reject(
        e.code === "EADDRINUSE"
          ? new Error(`port ${port} on ${host} is already in use: stop the other server or ${remedy}`)
          : e,
      );
    });
  });
}
