import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LedgerUnavailableError } from "../errors.js";
import type { Logger } from "../logger.js";
import { DataDirLockedError } from "./dataDirLock.js";
import { openPglite } from "./pgliteClient.js";
import { servePglite } from "./pgliteServer.js";
import { openPostgres, type PostgresClient } from "./postgresClient.js";
import type { LedgerFunction, SqlArgs, SqlClient } from "./sqlClient.js";

export interface EmbeddedClient extends SqlClient {
  readonly kind: "pglite";
  /** whether this process owns the data dir right now (and so runs the jobs that must run once) */
  isOwner(): boolean;
  /**
   * Leadership for background jobs: true while this process owns the data dir. A process whose owner died takes
   * the data dir over here, so jobs resume even when no tool call comes.
   */
  ownerLock(): { acquire(): Promise<boolean>; release(): Promise<void> };
}

export interface EmbeddedOptions {
  /** Pag0's data dir: the ledger lives in `<dataDir>/ledger`, its lock and socket beside it */
  dataDir: string;
  migrationsDir?: string;
  /**
   * how long a call waits for the owner to answer before failing closed (a first start without a shipped
   * snapshot builds one, for seconds)
   */
  timeoutMs: number;
  log: Logger;
  /** how often the owning process refreshes the planner's statistics (default 30 s) */
  analyzeIntervalMs?: number;
  /** called when this process is about to create the ledger (a new data dir), so a human can be told */
  onCreating?: (ledgerDir: string) => void;
}

type Connection =
  | { role: "owner"; call: SqlClient["call"]; close(): Promise<void> }
  | { role: "client"; db: PostgresClient; call: SqlClient["call"]; close(): Promise<void> };

/** postgres.js / socket errors that mean the owner is gone; the first three mean the query was never sent */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOENT", "CONNECT_TIMEOUT"]);
const CONNECTION_LOST = new Set([...NOT_SENT, "ECONNRESET", "EPIPE", "CONNECTION_CLOSED", "CONNECTION_DESTROYED"]);
const codeOf = (e: unknown) => String((e as { code?: unknown })?.code ?? "");
/** How often the owner refreshes the planner's statistics (PGlite has no autovacuum to do it). */
const ANALYZE_INTERVAL_MS = 30_000;
/** replay-safe by contract (ledger.ts): sent again to the new owner even if the lost owner may have run them */
const RESENDABLE = new Set<LedgerFunction>([
  "mark_signed",
  "settle_spend",
  "release_spend",
  "mark_unknown",
  "get_spend",
  "list_spend",
  "budget_status",
  "pending_outcomes",
  "expire_reservations",
  "record_cache_hit",
  "record_cache_hits",
  "upsert_principal",
  "upsert_wallet_limits",
  "instance_heartbeat",
  "instance_release",
]);

/**
 * The embedded ledger shared by every Pag0 process on one data dir. PGlite corrupts a data dir that two processes
 * open, so exactly one process owns it (the data dir lock) and serves it on a unix socket; the others reach it with
 * postgres.js through that socket. When the owner exits or dies, the next call (or job tick) of another process
 * takes the data dir over: committed rows are on disk, and a call that was in flight when the owner died is sent
 * again to the new owner if it never left or is replay-safe (settle, release, reads); otherwise (a reserve) it
 * fails closed, `LEDGER_UNAVAILABLE`, and nothing is signed for it.
 * @example const ledger = sqlLedger(embeddedClient({ dataDir: "~/.pag0", timeoutMs: 30_000, log }));
 */
export function embeddedClient(options: EmbeddedOptions): EmbeddedClient {
  const ledgerDir = join(options.dataDir, "ledger");
  const socketPath = socketPathFor(options.dataDir);
  const log = options.log;
  let active: Connection | null = null;
  let connecting: Promise<Connection> | null = null;
  let closed = false;

  async function own(): Promise<Connection> {
    const started = performance.now();
    const pg = await openPglite({
      dataDir: ledgerDir,
      migrationsDir: options.migrationsDir,
      onCreating: () => options.onCreating?.(ledgerDir),
    });
    try {
      const server = await servePglite(pg.db, socketPath);
      log.info(
        { ms: Math.round(performance.now() - started), socket: socketPath },
        "this process owns the embedded ledger and serves it to other Pag0 processes",
      );
      // PGlite runs no autovacuum: without fresh statistics the planner keeps the plans it chose for an empty
      // table, and an idempotency lookup scans every row of the principal (measured: a cache-hit insert went from
      // 0.2 to 4 ms as 20,000 rows accumulated; 0.1 ms flat after ANALYZE)
      const analyze = setInterval(() => {
        server.exclusive(() => pg.db.exec("analyze")).catch((err) => log.debug({ err }, "analyze failed"));
      }, options.analyzeIntervalMs ?? ANALYZE_INTERVAL_MS).unref();
      return {
        role: "owner",
        call: (fn, args) => server.exclusive(() => pg.call(fn, args)),
        close: () => {
          clearInterval(analyze);
          return server.close().finally(() => pg.close());
        },
      };
    } catch (e) {
      await pg.close();
      throw e;
    }
  }

  async function joinOwner(): Promise<Connection | null> {
    if (!existsSync(socketPath)) return null;
    const db = openPostgres({ path: socketPath }, { kind: "pglite", max: 4, connectTimeoutMs: 2000 });
    try {
      await db.sql`select 1`;
    } catch {
      await db.close().catch(() => {});
      return null;
    }
    log.debug({ socket: socketPath }, "connected to the process that owns the embedded ledger");
    return { role: "client", db, call: (fn, args) => db.call(fn, args), close: () => db.close() };
  }

  async function connect(): Promise<Connection> {
    const deadline = Date.now() + options.timeoutMs;
    let owner: number | null = null;
    for (let attempt = 0; ; attempt++) {
      if (closed) throw new LedgerUnavailableError(new Error("the ledger is closed"));
      try {
        return await own();
      } catch (e) {
        if (!(e instanceof DataDirLockedError)) throw e;
        owner = e.pid;
      }
      const joined = await joinOwner();
      if (joined) return joined;
      if (Date.now() >= deadline) {
        throw new LedgerUnavailableError(
          new Error(`the Pag0 process that owns the ledger (pid ${owner}) does not answer on ${socketPath}`),
        );
      }
      await sleep(Math.min(25 * 2 ** attempt, 250));
    }
  }

  function connection(): Promise<Connection> {
    if (active) return Promise.resolve(active);
    if (!connecting) {
      const attempt: Promise<Connection> = connect().then(
        (c) => {
          connecting = null;
          if (closed) return c.close().then(() => Promise.reject(new Error("the ledger is closed")));
          active = c;
          return c;
        },
        (e) => {
          connecting = null;
          throw e;
        },
      );
      connecting = attempt;
    }
    return connecting;
  }

  /** The owner is gone: drop the connection to it, so the next call reconnects or takes over. */
  function lost(c: Connection): void {
    if (active !== c) return;
    active = null;
    log.warn({ socket: socketPath }, "lost the process that owned the embedded ledger: reconnecting or taking over");
    c.close().catch(() => {});
  }

  return {
    kind: "pglite",
    isOwner: () => active?.role === "owner",
    async call(fn: LedgerFunction, args: SqlArgs) {
      for (let attempt = 0; ; attempt++) {
        const c = await connection();
        try {
          return await c.call(fn, args);
        } catch (e) {
          if (c.role === "owner" || !CONNECTION_LOST.has(codeOf(e))) throw e;
          lost(c);
          // a call the lost owner may have committed is sent again only if repeating it is harmless
          if (attempt > 0 || !(NOT_SENT.has(codeOf(e)) || RESENDABLE.has(fn))) throw e;
        }
      }
    },
    ownerLock() {
      return {
        async acquire() {
          const c = active ?? (await connection());
          if (c.role === "owner") return true;
          try {
            await c.db.sql`select 1`;
            return false;
          } catch {
            lost(c);
            return (await connection()).role === "owner";
          }
        },
        async release() {},
      };
    },
    async close() {
      closed = true;
      const c = active ?? (await connecting?.catch(() => null));
      active = null;
      await c?.close();
    },
  };
}

/**
 * `<dataDir>/ledger.sock`, or a name in the temp dir derived from the data dir when that path is longer than a
 * unix socket address allows (108 bytes on Linux, 104 on macOS); on Windows a named pipe derived from it. Every
 * process on the data dir finds the same one.
 */
export function socketPathFor(dataDir: string, platform: NodeJS.Platform = process.platform): string {
  const id = createHash("sha256").update(resolve(dataDir)).digest("hex").slice(0, 16);
  if (platform === "win32") return `\\\\.\\pipe\\pag0-${id}`;
  const beside = join(resolve(dataDir), "ledger.sock");
  return Buffer.byteLength(beside) < 100 ? beside : join(tmpdir(), `pag0-${id}.sock`);
}
