import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, normalize, sep } from "node:path";

const BLOCK = 512;

/**
 * Writes the directories and regular files of a ustar archive (as PGlite's `dumpDataDir` makes them) under `dir`,
 * private to this user. Hand-written because no dependency here reads tar, and PGlite's own reader only extracts
 * into its WASM file system (at a cost of ~130 MB of memory in the serving process).
 */
export function extractTar(tar: Uint8Array, dir: string): number {
  const text = (at: number, length: number) => {
    const field = tar.subarray(at, at + length);
    const end = field.indexOf(0);
    return Buffer.from(end === -1 ? field : field.subarray(0, end)).toString("utf8");
  };
  let files = 0;
  const made = new Set<string>([dir]);
  const mkdir = (path: string) => {
    if (made.has(path)) return;
    mkdirSync(path, { recursive: true, mode: 0o700 });
    made.add(path);
  };
  for (let at = 0; at + BLOCK <= tar.length; ) {
    if (tar[at] === 0) break; // end-of-archive blocks
    if (text(at + 257, 5) !== "ustar") throw new Error(`not a ustar archive (header at byte ${at})`);
    const prefix = text(at + 345, 155);
    const name = (prefix ? `${prefix}/` : "") + text(at, 100);
    const size = Number.parseInt(text(at + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(tar[at + 156] ?? 0);
    const relative = normalize(name.replace(/^\/+/, ""));
    if (relative === ".." || relative.startsWith(`..${sep}`)) throw new Error(`tar entry outside the target: ${name}`);
    const target = join(dir, relative);
    const body = at + BLOCK;
    if (type === "5") {
      mkdir(target);
    } else if (type === "0" || type === "\0") {
      mkdir(dirname(target));
      writeFileSync(target, tar.subarray(body, body + size), { mode: 0o600 });
      files++;
    } else {
      throw new Error(`unsupported tar entry type ${JSON.stringify(type)} for ${name}`);
    }
    at = body + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
