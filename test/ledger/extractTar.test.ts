import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { extractTar } from "../../src/ledger/extractTar.js";

const root = mkdtempSync(join(tmpdir(), "pag0-tar-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** One ustar entry as PGlite's dumpDataDir writes it (leading slash, octal size, type "0" or "5"). */
function entry(name: string, type: "0" | "5", body = ""): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write(`${Buffer.byteLength(body).toString(8).padStart(11, "0")}\0`, 124);
  header.write(type, 156);
  header.write("ustar\u000000", 257);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body);
  return Buffer.concat([header, data]);
}
const archive = (...entries: Buffer[]) => Buffer.concat([...entries, Buffer.alloc(1024)]);

describe("extractTar", () => {
  test("default: writes directories and files, private to this user", () => {
    const dir = join(root, "ok");
    const body = "x".repeat(700); // spans two blocks
    const files = extractTar(
      archive(entry("/base", "5"), entry("/base/1", "0", body), entry("/PG_VERSION", "0", "18\n")),
      dir,
    );
    expect(files).toBe(2);
    expect(readFileSync(join(dir, "base", "1"), "utf8")).toBe(body);
    expect(readFileSync(join(dir, "PG_VERSION"), "utf8")).toBe("18\n");
    expect(statSync(join(dir, "base", "1")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "base")).mode & 0o777).toBe(0o700);
  });

  test("behavior: an entry that climbs out of the target is refused", () => {
    expect(() => extractTar(archive(entry("/../escaped", "0", "no")), join(root, "climb"))).toThrow(
      /outside the target/,
    );
  });

  test("behavior: links and other entry types are refused, and so is a non-tar", () => {
    expect(() => extractTar(archive(entry("/link", "2" as "0")), join(root, "link"))).toThrow(/unsupported tar entry/);
    expect(() => extractTar(Buffer.alloc(1024, 1), join(root, "junk"))).toThrow(/not a ustar archive/);
  });
});
