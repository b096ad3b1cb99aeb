/** A preview's box shrink while reading (src/render/box-shrink.ts), against the average computed directly. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boxShrink, shrinkFactor } from '../../src/render/box-shrink.js';

const dir = mkdtempSync(join(tmpdir(), 'lightbox-shrink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every block's mean density, one pixel at a time. */
function direct(
  stored: ArrayLike<number>,
  columns: number,
  lut: Uint16Array,
  mask: number,
  r: { ox: number; oy: number; w: number; h: number; k: number },
): number[] {
  const out: number[] = [];
  for (let by = 0; by < Math.ceil(r.h / r.k); by++)
    for (let bx = 0; bx < Math.ceil(r.w / r.k); bx++) {
      let s = 0;
      let n = 0;
      for (let y = by * r.k; y < Math.min(r.h, (by + 1) * r.k); y++)
        for (let x = bx * r.k; x < Math.min(r.w, (bx + 1) * r.k); x++) {
          s += lut[stored[(r.oy + y) * columns + r.ox + x]! & mask]!;
          n++;
        }
      out.push(Math.round(s / n));
    }
  return out;
}

describe('boxShrink', () => {
  // A density table that is not monotonic, so a shrink of stored values would not pass.
  const lut = new Uint16Array(4096).map((_, i) => 20 + ((i * 37) % 301));

  it('averages the densities of every k x k block, partial blocks at the right and bottom too', () => {
    // 1030 x 1100 16-bit (2.2 MB: several strips); k = 4 leaves a 2-column and 0-row remainder.
    const columns = 1030;
    const rows = 1100;
    const stored = new Uint16Array(columns * rows).map((_, i) => (i * 2654435761) >>> 20);
    const file = join(dir, 'box-16.raw');
    writeFileSync(file, new Uint8Array(stored.buffer));
    for (const r of [
      { ox: 0, oy: 0, w: columns, h: rows, k: 4 },
      { ox: 13, oy: 7, w: 1001, h: 1003, k: 3 },
    ]) {
      const got = boxShrink({ file, columns, rows, bytesPerSample: 2, mask: 0xfff, lut, ...r });
      expect([got.width, got.height]).toEqual([Math.ceil(r.w / r.k), Math.ceil(r.h / r.k)]);
      expect(Array.from(got.pixels)).toEqual(direct(stored, columns, lut, 0xfff, r));
    }
  });

  it('reads 8-bit images', () => {
    const columns = 99;
    const rows = 50;
    const stored = new Uint8Array(columns * rows).map((_, i) => (i * 131) & 0xff);
    const file = join(dir, 'box-8.raw');
    writeFileSync(file, stored);
    const r = { ox: 0, oy: 0, w: columns, h: rows, k: 5 };
    const got = boxShrink({ file, columns, rows, bytesPerSample: 1, mask: 0xff, lut, ...r });
    expect(Array.from(got.pixels)).toEqual(direct(stored, columns, lut, 0xff, r));
  });

  it('leaves lanczos3 at least a 2x reduction, and never a block too large for its 32-bit sum', () => {
    expect(shrinkFactor(4096, 467)).toBe(4);
    expect(shrinkFactor(512, 80)).toBe(3);
    expect(shrinkFactor(100, 60)).toBe(1);
    expect(shrinkFactor(1_000_000, 10)).toBe(128);
  });
});
