import { readdirSync, rmSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { defaultSnapshotDir, snapshotFile, snapshotKey } from "./ledgerSnapshot.js";
import { migratePglite } from "./pgliteClient.js";
import { defaultMigrationsDir, readMigrations } from "./sqlClient.js";

/**
 * Runs initdb and every migration in an in-memory PGlite and writes its data dir, gzipped, to `file` (atomically).
 * Costs seconds and ~800 MB, so it runs at `npm run build` or in a child process (`buildInChild`), never in a server.
 * @example await buildLedgerSnapshot(defaultMigrationsDir(), "/tmp/ledger.tar.gz");
 */
export async function buildLedgerSnapshot(migrationsDir: string, file: string): Promise<void> {
  const migrations = await readMigrations(migrationsDir);
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create();
  try {
    await migratePglite(db, migrations);
    // so a data dir made from it opens without replaying WAL
    await db.exec("checkpoint");
    const dump = await db.dumpDataDir("gzip");
    await mkdir(dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, file);
  } finally {
    await db.close();
  }
}

/**
 * `node dist/ledger/buildLedgerSnapshot.js [migrationsDir file]`: with no arguments (`npm run build`), the snapshot
 * of this package's migrations into dist/ledger-snapshot, replacing snapshots of older migrations.
 */
async function main(args: string[]): Promise<void> {
  if (args.length === 2) return buildLedgerSnapshot(args[0]!, args[1]!);
  if (args.length !== 0) throw new Error("usage: buildLedgerSnapshot.js [migrationsDir file]");
  const dir = defaultSnapshotDir();
  const file = snapshotFile(dir, snapshotKey(await readMigrations(defaultMigrationsDir())));
  await buildLedgerSnapshot(defaultMigrationsDir(), file);
  for (const old of readdirSync(dir)) {
    if (/^ledger-[0-9a-f]+\.tar\.gz$/.test(old) && old !== basename(file)) rmSync(`${dir}/${old}`);
  }
  process.stderr.write(`ledger snapshot: ${file}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
