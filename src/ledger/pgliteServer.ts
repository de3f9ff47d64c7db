import { chmodSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketHandler } from "@electric-sql/pglite-socket";

/** A PGlite data dir served to other local processes over a unix socket (the Postgres wire protocol). */
export interface PgliteServer {
  readonly path: string;
  /**
   * Runs `fn` (which may use the PGlite instance directly) between two socket clients' units of work, never in
   * the middle of one: the owner's own queries go through here.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const SYNC = 0x53; // 'S': ends an extended-protocol batch
const QUERY = 0x51; // 'Q': a whole simple-protocol query
const FLUSH = 0x48; // 'H': the client waits for answers mid-batch (postgres.js describes statements this way)
const TERMINATE = 0x58; // 'X'
const SYNC_MESSAGE = new Uint8Array([SYNC, 0, 0, 0, 4]);

type Unit = {
  handlerId: number | null;
  /** a socket client's messages, run as one batch; or the owner's own work */
  work: Uint8Array[] | (() => Promise<unknown>);
  onData?: (data: Uint8Array) => void;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
};

/**
 * Serves `db` on the unix socket `path` (mode 0600: this user only), with `@electric-sql/pglite-socket` doing the
 * socket and wire framing. PGlite has one backend, so every client shares its session: pglite-socket's own queue
 * interleaves clients message by message, which mixes up concurrent extended-protocol queries (measured: 597 of
 * 600 concurrent postgres.js queries from three pools got another query's answer). This scheduler replaces it:
 * a client's messages run as one unit up to Sync or Query, and a client that is mid-batch (after Flush) or inside
 * a transaction block keeps the backend until it is done. Answers are written only once the unit has finished,
 * after PGlite synced the data dir, so an acknowledged commit is on disk.
 */
export async function servePglite(
  db: PGlite,
  path: string,
  options: { holdLimitMs?: number } = {},
): Promise<PgliteServer> {
  const scheduler = new Scheduler(db, options.holdLimitMs ?? 10_000);
  const handlers = new Set<PGLiteSocketHandler>();
  const unixSocket = process.platform !== "win32"; // else a named pipe: no file to remove or protect
  if (unixSocket) rmSync(path, { force: true }); // left by a dead owner; the caller holds the data dir lock
  const server: Server = createServer((socket: Socket) => {
    // its public queue type is a class with private fields; the scheduler implements the three methods it calls
    const queryQueue = scheduler as unknown as ConstructorParameters<typeof PGLiteSocketHandler>[0]["queryQueue"];
    const handler = new PGLiteSocketHandler({ queryQueue, closeOnDetach: true });
    handlers.add(handler);
    scheduler.disconnect.set(handler.handlerId, () => socket.destroy());
    const forget = () => {
      handlers.delete(handler);
      scheduler.disconnect.delete(handler.handlerId);
    };
    handler.addEventListener("close", forget);
    handler.addEventListener("error", forget);
    handler.attach(socket).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  if (unixSocket) chmodSync(path, 0o600);
  let closing: Promise<void> | undefined;
  return {
    path,
    exclusive: (fn) => scheduler.local(fn),
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([...handlers].map((h) => h.detach(true)));
        await closed;
        await scheduler.idle();
        if (unixSocket) rmSync(path, { force: true });
      })();
      return closing;
    },
  };
}

/** The queue interface PGLiteSocketHandler calls: `enqueue`, `clearQueueForHandler`, `clearTransactionIfNeeded`. */
class Scheduler {
  private readonly pending = new Map<number, Uint8Array[]>();
  private readonly started = new Set<number>();
  private queue: Unit[] = [];
  /** the client that is mid-batch or inside a transaction block: only its units may run */
  private _holder: number | null = null;
  private holdTimer: NodeJS.Timeout | undefined;
  /** disconnects a client, by handler id */
  readonly disconnect = new Map<number, () => void>();
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: PGlite,
    private readonly holdLimitMs: number,
  ) {}

  private get holder(): number | null {
    return this._holder;
  }

  /**
   * A client keeps the backend only while it works: one that stalls mid-batch or in a transaction (a suspended
   * process) is disconnected after `holdLimitMs`, its transaction rolled back, so the others can go on.
   */
  private set holder(id: number | null) {
    if (id === this._holder) return;
    this._holder = id;
    clearTimeout(this.holdTimer);
    if (id !== null) {
      this.holdTimer = setTimeout(() => {
        if (this._holder === id) this.disconnect.get(id)?.();
      }, this.holdLimitMs).unref();
    }
  }

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    const type = message[0];
    const startup = !this.started.has(handlerId);
    if (startup) this.started.add(handlerId);
    else if (type === TERMINATE) return Promise.resolve(0); // the socket closes next; the shared backend stays
    const messages = this.pending.get(handlerId) ?? [];
    messages.push(message);
    if (!startup && type !== SYNC && type !== QUERY && type !== FLUSH) {
      this.pending.set(handlerId, messages);
      return Promise.resolve(0); // answered with the rest of its batch
    }
    this.pending.delete(handlerId);
    return this.submit({ handlerId, work: messages, onData }) as Promise<number>;
  }

  clearQueueForHandler(handlerId: number): void {
    this.pending.delete(handlerId);
    this.started.delete(handlerId);
    this.queue = this.queue.filter((u) => {
      if (u.handlerId !== handlerId) return true;
      u.reject(new Error("the client disconnected"));
      return false;
    });
  }

  /** A client that left mid-batch or mid-transaction: end its batch and roll its transaction back. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.holder !== handlerId) return;
    await this.submit({
      handlerId,
      work: async () => {
        await this.db.execProtocolRaw(SYNC_MESSAGE);
        if (this.db.isInTransaction()) await this.db.exec("rollback");
      },
    }).catch(() => {});
  }

  local<T>(fn: () => Promise<T>): Promise<T> {
    return this.submit({ handlerId: null, work: fn }) as Promise<T>;
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private submit(unit: Omit<Unit, "resolve" | "reject">): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...unit, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.next() >= 0) this.kick(); // submitted while the drain was ending
    });
  }

  /** index of the unit that may run now, or -1 (empty, or the holder has not sent its next unit yet) */
  private next(): number {
    if (this.holder === null) return this.queue.length > 0 ? 0 : -1;
    return this.queue.findIndex((u) => u.handlerId === this.holder);
  }

  private async drain(): Promise<void> {
    for (;;) {
      // PGlite answers without I/O: yield to the event loop between units, or a busy owner would starve its
      // sockets (and its own timers) of every turn
      await new Promise((resolve) => setImmediate(resolve));
      const i = this.next();
      const unit = i < 0 ? undefined : this.queue.splice(i, 1)[0];
      if (!unit) return;
      try {
        unit.resolve(await this.run(unit));
      } catch (e) {
        if (this.holder === unit.handlerId) this.holder = null;
        unit.reject(e);
      }
    }
  }

  private async run(unit: Unit): Promise<unknown> {
    if (typeof unit.work === "function") {
      const value = await unit.work();
      this.holder = unit.handlerId !== null && this.db.isInTransaction() ? unit.handlerId : null;
      return value;
    }
    const messages = unit.work;
    const chunks: Uint8Array[] = [];
    await this.db.runExclusive(() =>
      this.db.execProtocolRawStream(Buffer.concat(messages), { onRawData: (data) => chunks.push(data.slice()) }),
    );
    const last = messages[messages.length - 1]?.[0];
    this.holder = last === FLUSH || this.db.isInTransaction() ? unit.handlerId : null;
    const answer = Buffer.concat(chunks);
    if (answer.length > 0) unit.onData?.(answer);
    return answer.length;
  }
}
