import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmdirSync, rmSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { extractTar } from "./extractTar.js";
import type { Migration } from "./sqlClient.js";

// A new ledger starts from a snapshot: a gzipped tar of a PGlite data dir that went through initdb and every
// migration (`dumpDataDir("gzip")`). initdb costs seconds and ~800 MB that WASM memory never gives back, so it runs
// at `npm run build` (the snapshot ships in dist/) or, failing that, in a child process; never in the server.

/** `dist/ledger-snapshot` of this package, from `src/ledger` (tsx) and from `dist/ledger` (build) alike. */
export const defaultSnapshotDir = (): string => fileURLToPath(new URL("../../dist/ledger-snapshot/", import.meta.url));

/** The PGlite release whose data dir format a snapshot has (a data dir is not portable across Postgres majors). */
export function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const pkg = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

/**
 * What a snapshot was built from: the PGlite version and every migration's name and checksum. A snapshot is used
 * only under the key of the current migrations, so an edited, added or removed migration never meets a stale one.
 */
export function snapshotKey(migrations: readonly Migration[], version = pgliteVersion()): string {
  const from = { pglite: version, migrations: migrations.map((m) => [m.name, m.checksum]) };
  return createHash("sha256").update(JSON.stringify(from)).digest("hex").slice(0, 32);
}

export const snapshotFile = (dir: string, key: string): string => join(dir, `ledger-${key}.tar.gz`);

/** The builder, run as a child process: `.ts` beside this module under tsx and vitest, `.js` when compiled. */
const BUILDER = fileURLToPath(
  new URL(`./buildLedgerSnapshot${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url),
);

/** Runs the builder in a child process, so initdb's memory dies with it; rejects with its stderr if it fails. */
export async function buildInChild(migrationsDir: string, file: string): Promise<void> {
  // tsx by path: the cwd of a host-started server need not be this checkout
  const tsx = () => pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const loader = BUILDER.endsWith(".ts") ? ["--import", tsx()] : [];
  // stdout ignored: in `pag0 stdio` it is the MCP transport
  const child = spawn(process.execPath, [...loader, BUILDER, migrationsDir, file], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (code !== 0) throw new Error(`building the ledger snapshot failed (exit ${code}): ${stderr.trim()}`);
}

/**
 * The snapshot for `migrations`: the one in `dir` (shipped, or left by an earlier build) if its key matches, else
 * one built now in a child process and kept in `dir` when `dir` is writable. Resolves to the file and a cleanup
 * for a temporary one.
 */
export async function findOrBuildSnapshot(
  migrations: readonly Migration[],
  migrationsDir: string,
  dir: string = defaultSnapshotDir(),
): Promise<{ file: string; built: boolean; done(): Promise<void> }> {
  const wanted = snapshotFile(dir, snapshotKey(migrations));
  if (existsSync(wanted)) return { file: wanted, built: false, done: async () => {} };
  const scratch = await mkdtemp(join(tmpdir(), "pag0-snapshot-"));
  const built = join(scratch, "ledger.tar.gz");
  const done = () => rm(scratch, { recursive: true, force: true });
  try {
    await buildInChild(migrationsDir, built);
  } catch (e) {
    await done();
    throw e;
  }
  try {
    // kept for the next new data dir; a read-only install just builds again next time
    await mkdir(dir, { recursive: true });
    const partial = `${wanted}.${process.pid}.partial`;
    await copyFile(built, partial);
    await rename(partial, wanted);
  } catch {}
  return { file: built, built: true, done };
}

/**
 * Creates the data dir `dataDir` from a snapshot file: extracted beside it, then renamed into place, so a crash
 * half-way leaves no half-made database behind (only a staging dir, removed by the next attempt).
 */
export async function restoreSnapshot(file: string, dataDir: string): Promise<void> {
  const staging = `${dataDir}.restoring`;
  rmSync(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true, mode: 0o700 });
  try {
    extractTar(gunzipSync(await readFile(file)), staging);
    if (!existsSync(join(staging, "PG_VERSION"))) throw new Error(`${file} is not a PGlite data dir dump`);
    // an empty dir in the way (Windows cannot rename onto one); rmdir refuses a non-empty one
    if (existsSync(dataDir)) rmdirSync(dataDir);
    renameSync(staging, dataDir);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}
