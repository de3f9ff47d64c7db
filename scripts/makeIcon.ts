/**
 * `npx tsx scripts/makeIcon.ts [out.png]`: draws the MCP Bundle's icon, icon.png (512×512): a white "P0" in a coin
 * on a blue rounded square. Written out with node:zlib rather than an image library: the picture is a few shapes,
 * and this machine kind has no ImageMagick.
 */
import { writeFileSync } from "node:fs";
import { crc32, deflateSync } from "node:zlib";

const SIZE = 512;
const SAMPLES = 4; // per axis: 16 samples a pixel smooth the edges

type Rgb = [number, number, number];
const TOP: Rgb = [30, 58, 138];
const BOTTOM: Rgb = [14, 165, 233];
const WHITE: Rgb = [255, 255, 255];

const inRoundedSquare = (x: number, y: number, r: number) => {
  const dx = Math.max(r - x, 0, x - (SIZE - r));
  const dy = Math.max(r - y, 0, y - (SIZE - r));
  return dx * dx + dy * dy <= r * r;
};
const inRing = (x: number, y: number, cx: number, cy: number, outer: number, inner: number) => {
  const d = Math.hypot(x - cx, y - cy);
  return d <= outer && d >= inner;
};
const inRect = (x: number, y: number, x0: number, y0: number, x1: number, y1: number) =>
  x >= x0 && x <= x1 && y >= y0 && y <= y1;

/** "P0": a P (a stem, and a bowl that is the right half of a ring joined to the stem by two bars), and a small 0. */
const inP0 = (x: number, y: number) =>
  inRect(x, y, 164, 144, 208, 364) ||
  inRect(x, y, 164, 144, 224, 184) ||
  inRect(x, y, 164, 244, 224, 284) ||
  (x >= 224 && inRing(x, y, 224, 214, 70, 30)) ||
  inRing(x, y, 322, 322, 44, 22);

/** One sample: the colour there, or null outside the rounded square (transparent). */
function sample(x: number, y: number): Rgb | null {
  if (!inRoundedSquare(x, y, 110)) return null;
  if (inRing(x, y, 256, 256, 196, 166) || inP0(x, y)) return WHITE;
  const t = y / SIZE;
  return [0, 1, 2].map((i) => Math.round(TOP[i]! + (BOTTOM[i]! - TOP[i]!) * t)) as Rgb;
}

function pixels(): Buffer {
  const rows = Buffer.alloc(SIZE * (1 + SIZE * 4)); // each row: filter byte 0, then RGBA
  for (let py = 0; py < SIZE; py++) {
    for (let px = 0; px < SIZE; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let covered = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const c = sample(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES);
          if (!c) continue;
          r += c[0];
          g += c[1];
          b += c[2];
          covered++;
        }
      }
      const at = py * (1 + SIZE * 4) + 1 + px * 4;
      if (covered === 0) continue;
      rows.set([r / covered, g / covered, b / covered, (255 * covered) / SAMPLES ** 2].map(Math.round), at);
    }
  }
  return rows;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, no interlace

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk("IHDR", header),
  chunk("IDAT", deflateSync(pixels(), { level: 9 })),
  chunk("IEND", Buffer.alloc(0)),
]);
const out = process.argv[2] ?? "icon.png";
writeFileSync(out, png);
process.stderr.write(`${out}: ${SIZE}x${SIZE} PNG, ${png.length} bytes\n`);
