import { randomUUID } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LedgerUnavailableError } from "../errors.js";

// Hand-written because PGlite has no inter-process lock and proper-lockfile is not a dependency (and its
// mtime-based staleness cannot tell a slow owner from a dead one; a pid can).

interface LockOwner {
  pid: number;
  host: string;
  /** unique per acquisition: tells our lock from a stale one left by an earlier process with the same pid */
  token: string;
}

/**
 * Another process (named by pid) owns the embedded ledger's data dir; opening it too would corrupt it.
 * A `LedgerUnavailableError` (nothing can be paid) whose message says who holds the dir.
 */
export class DataDirLockedError extends LedgerUnavailableError {
  readonly pid: number;

  constructor(dataDir: string, owner: LockOwner) {
    super(null);
    const where = owner.host === hostname() ? "" : ` on ${owner.host}`;
    this.message = `The ledger data dir ${dataDir} is in use by another Pag0 process (pid ${owner.pid}${where}), so nothing can be paid here; stop it or use another data dir.`;
    this.pid = owner.pid;
    Object.assign(this.details, { dataDir, pid: owner.pid, host: owner.host });
  }
}

/** Tokens of the locks this process holds. */
const held = new Set<string>();

/**
 * Takes the exclusive lock `<dataDir>.lock` (beside the dir: PGlite's initdb wants it empty) and resolves to its
 * release function. Throws `DataDirLockedError` naming the owner's pid while a live process holds it; a lock left
 * by a dead process is taken over.
 *
 * Creation is O_EXCL, so exactly one process wins. Taking over a stale lock is the racy part (two processes may
 * both see it dead): only the holder of a second O_EXCL file, `<lock>.takeover`, may delete the lock, and only if
 * it still holds exactly the stale content it judged, so a fresh lock is never deleted. The one window left (a
 * taker killed mid-takeover, then two others clearing its guard in the same instant) is the one PostgreSQL's own
 * postmaster.pid accepts.
 */
export async function lockDataDir(dataDir: string): Promise<() => void> {
  const dir = resolve(dataDir);
  const lockPath = `${dir}.lock`;
  mkdirSync(dirname(dir), { recursive: true });
  const me: LockOwner = { pid: process.pid, host: hostname(), token: randomUUID() };

  for (let attempt = 0; attempt < 100; attempt++) {
    if (tryCreate(lockPath, me)) {
      held.add(me.token);
      return () => release(lockPath, me);
    }
    const raw = readOrNull(lockPath);
    if (raw === null) continue; // released in between: try again
    const owner = parseOwner(raw);
    if (owner && isAlive(owner)) throw new DataDirLockedError(dir, owner);
    if (!owner && ageMs(lockPath) < 2000) {
      await sleep(20); // its owner is still writing it
      continue;
    }
    await takeOver(lockPath, raw, me);
  }
  throw new Error(`could not lock ${dir}: its lock file keeps changing`);
}

async function takeOver(lockPath: string, staleRaw: string, me: LockOwner): Promise<void> {
  const guardPath = `${lockPath}.takeover`;
  if (!tryCreate(guardPath, me)) {
    const raw = readOrNull(guardPath);
    const taker = raw === null ? null : parseOwner(raw);
    if (raw !== null && (taker ? !isAlive(taker) : ageMs(guardPath) >= 2000) && readOrNull(guardPath) === raw) {
      removeQuietly(guardPath); // its taker died mid-takeover
    } else {
      await sleep(20); // another process is taking over right now
    }
    return;
  }
  try {
    if (readOrNull(lockPath) === staleRaw) removeQuietly(lockPath);
  } finally {
    removeQuietly(guardPath);
  }
}

function release(lockPath: string, me: LockOwner): void {
  if (!held.delete(me.token)) return;
  const raw = readOrNull(lockPath);
  if (raw !== null && parseOwner(raw)?.token === me.token) removeQuietly(lockPath);
}

function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true; // cannot probe another machine's processes
  if (owner.pid === process.pid) return held.has(owner.token);
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // alive, owned by another user
  }
}

/** O_EXCL create; false if the file exists. */
function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify(owner));
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    removeQuietly(path);
    throw e;
  }
  closeSync(fd);
  return true;
}

function parseOwner(raw: string): LockOwner | null {
  try {
    const v = JSON.parse(raw) as Partial<LockOwner>;
    if (Number.isSafeInteger(v.pid) && typeof v.host === "string" && typeof v.token === "string") {
      return v as LockOwner;
    }
  } catch {
    // partial or foreign content
  }
  return null;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}
