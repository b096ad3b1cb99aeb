/**
 * The film's own Catmull-Rom enlargement (src/render/bicubic.ts) against sharp's resize with the
 * cubic kernel, which it replaces for enlargements: the same 16-bit values, every one, over
 * random densities (so every tap counts) at the factors films use and awkward ones.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { magnifyInto } from '../../src/render/bicubic.js';
import { bilinearInto } from '../../src/render/bilinear.js';
import { replicateInto } from '../../src/render/replicate.js';

/** Deterministic pseudo-random densities in lo..hi. */
function densities(n: number, lo: number, hi: number, seed: number): Uint16Array {
  const out = new Uint16Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = lo + Math.floor((s / 2 ** 32) * (hi - lo + 1));
  }
  return out;
}

async function bySharp(
  src: Uint16Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
  kernel: 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3' = 'cubic',
) {
  const d = await sharp(src, { raw: { width: w, height: h, channels: 1 } })
    .resize(outW, outH, { kernel, fit: 'fill' })
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer();
  return new Uint16Array(d.buffer, d.byteOffset, d.length / 2);
}

/**
 * Drawn into a larger canvas at an offset, as into a film (the margin must stay untouched); in
 * shares of output rows when `splits` are given (as two threads share a box: the same values).
 */
function byFilm(
  src: Uint16Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
  lo = 0,
  hi = 65535,
  splits: number[] = [],
) {
  const cw = outW + 7;
  const canvas = new Uint16Array(cw * (outH + 5)).fill(12345);
  const bounds = [0, ...splits, outH];
  // The last share first: each share stands alone.
  for (let i = bounds.length - 2; i >= 0; i--)
    magnifyInto(
      { w, h, outW, outH, canvasWidth: cw, dx: 3, dy: 2, lo, hi, from: bounds[i]!, to: bounds[i + 1]! },
      (r, into, at) => {
        for (let x = 0; x < w; x++) into[at + x] = src[r * w + x]!;
      },
      canvas,
    );
  const out = new Uint16Array(outW * outH);
  for (let y = 0; y < outH; y++)
    out.set(canvas.subarray((y + 2) * cw + 3, (y + 2) * cw + 3 + outW), y * outW);
  const margin = canvas.filter((_, i) => {
    const x = i % cw;
    const y = Math.floor(i / cw);
    return x < 3 || x >= 3 + outW || y < 2 || y >= 2 + outH;
  });
  return { out, margin };
}

describe('Catmull-Rom enlargement', () => {
  const cases: [number, number, number, number][] = [
    [512, 512, 1088, 1088], // W1: a CT slice in a 4x5 box at 320 dpi
    [64, 80, 68, 85], // W2's factor (1.0625), small
    [37, 23, 91, 50], // different factors per axis
    [200, 150, 233, 301],
    [5, 4, 17, 9], // tiny: every tap is near an edge
    [2, 2, 7, 5],
  ];
  for (const [w, h, outW, outH] of cases)
    it(`${w}x${h} -> ${outW}x${outH}: every value as sharp's, the canvas around it untouched`, async () => {
      const src = densities(w * h, 0, 65535, w * 31 + h);
      const expected = await bySharp(src, w, h, outW, outH);
      const { out, margin } = byFilm(src, w, h, outW, outH);
      let differ = 0;
      for (let i = 0; i < out.length; i++) if (out[i] !== expected[i]) differ++;
      expect(differ).toBe(0);
      expect(margin.every((v) => v === 12345)).toBe(true);
    });

  it('computes the same values in shares of rows, in any order (two threads share a box)', async () => {
    const src = densities(61 * 47, 0, 65535, 3);
    const whole = byFilm(src, 61, 47, 130, 101).out;
    for (const splits of [[1], [50], [99, 100], [3, 17, 64]]) {
      const { out, margin } = byFilm(src, 61, 47, 130, 101, 0, 65535, splits);
      expect(Buffer.from(out.buffer).equals(Buffer.from(whole.buffer)), `split at ${splits}`).toBe(true);
      expect(margin.every((v) => v === 12345)).toBe(true);
    }
  });

  it('is what sharp does with every cubic-family kernel when enlarging (Smoothing Type maps to them)', async () => {
    const src = densities(45 * 38, 0, 65535, 7);
    const { out } = byFilm(src, 45, 38, 101, 77);
    for (const kernel of ['mitchell', 'lanczos2', 'lanczos3'] as const)
      expect(
        Buffer.from((await bySharp(src, 45, 38, 101, 77, kernel)).buffer).equals(Buffer.from(out.buffer)),
      ).toBe(true);
  });

  it('clamps to the box density range on the way (cubic overshoot at edges)', async () => {
    const w = 40;
    const h = 30;
    // A step edge overshoots both ways under Catmull-Rom.
    const src = new Uint16Array(w * h).map((_, i) => (i % w < w / 2 ? 20 : 320));
    const expected = await bySharp(src, w, h, 97, 61);
    expect(Math.min(...expected)).toBeLessThan(20);
    expect(Math.max(...expected)).toBeGreaterThan(320);
    const { out } = byFilm(src, w, h, 97, 61, 20, 320);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBe(Math.min(320, Math.max(20, expected[i]!)));
  });

  it('writes the view of each density it stores, when asked, and nothing else of the view', () => {
    const w = 23;
    const h = 19;
    const src = densities(w * h, 20, 320, 11);
    const cw = 70;
    const canvas = new Uint16Array(cw * 60).fill(12345);
    const grey = new Uint8Array(cw * 60).fill(7);
    // Not monotonic, so a wrong index shows.
    const table = new Uint16Array(65536).map((_, d) => (d * 13) % 251);
    const m = { w, h, outW: 61, outH: 50, canvasWidth: cw, dx: 4, dy: 5, lo: 20, hi: 320 };
    magnifyInto(m, (r, into, at) => into.set(src.subarray(r * w, (r + 1) * w), at), canvas, { grey, table });
    let inside = 0;
    for (let i = 0; i < canvas.length; i++) {
      const x = i % cw;
      const y = Math.floor(i / cw);
      if (x >= 4 && x < 4 + 61 && y >= 5 && y < 5 + 50) {
        inside++;
        expect(grey[i]).toBe(table[canvas[i]!]);
      } else expect([canvas[i], grey[i]]).toEqual([12345, 7]);
    }
    expect(inside).toBe(61 * 50);
    // The densities are the same as without the view.
    const plain = new Uint16Array(cw * 60).fill(12345);
    magnifyInto(m, (r, into, at) => into.set(src.subarray(r * w, (r + 1) * w), at), plain);
    expect(Buffer.from(plain.buffer).equals(Buffer.from(canvas.buffer))).toBe(true);
  });
});

/** Nearest and bilinear: the film's own enlargements against sharp's same kernels. */
for (const [kernel, enlarge] of [
  ['nearest', replicateInto],
  ['linear', bilinearInto],
] as const)
  describe(`${kernel} enlargement`, () => {
    /** As byFilm, with this kernel; shares of rows when `splits` are given. */
    function byFilmWith(
      src: Uint16Array,
      w: number,
      h: number,
      outW: number,
      outH: number,
      splits: number[] = [],
    ) {
      const cw = outW + 5;
      const canvas = new Uint16Array(cw * (outH + 4)).fill(12345);
      const bounds = [0, ...splits, outH];
      for (let i = bounds.length - 2; i >= 0; i--)
        enlarge(
          {
            w,
            h,
            outW,
            outH,
            canvasWidth: cw,
            dx: 2,
            dy: 3,
            lo: 0,
            hi: 65535,
            from: bounds[i]!,
            to: bounds[i + 1]!,
          },
          (r, into, at) => {
            for (let x = 0; x < w; x++) into[at + x] = src[r * w + x]!;
          },
          canvas,
        );
      const out = new Uint16Array(outW * outH);
      for (let y = 0; y < outH; y++)
        out.set(canvas.subarray((y + 3) * cw + 2, (y + 3) * cw + 2 + outW), y * outW);
      const margin = canvas.filter((_, i) => {
        const x = i % cw;
        const y = Math.floor(i / cw);
        return x < 2 || x >= 2 + outW || y < 3 || y >= 3 + outH;
      });
      return { out, margin };
    }
    const cases: [number, number, number, number][] = [
      [512, 512, 1088, 1088], // W1's factor
      [4096, 40, 4352, 43], // W2's factor, a strip of it
      [64, 80, 68, 85],
      [37, 23, 91, 50],
      [200, 150, 233, 301],
      [100, 100, 300, 250], // a whole factor on one axis only
      [100, 50, 230, 100],
      [100, 100, 300, 300], // whole factors on both: vips_zoom for nearest
      [512, 512, 1024, 1024],
      [7, 9, 28, 27],
      [5, 4, 17, 9],
      [2, 2, 7, 5],
      [1, 18, 3, 33],
      [30, 40, 61, 80],
    ];
    for (const [w, h, outW, outH] of cases)
      it(`${w}x${h} -> ${outW}x${outH}: every value as sharp's, the canvas around it untouched`, async () => {
        const src = densities(w * h, 0, 65535, w * 17 + h);
        const expected = await bySharp(src, w, h, outW, outH, kernel);
        const { out, margin } = byFilmWith(src, w, h, outW, outH);
        let differ = 0;
        for (let i = 0; i < out.length; i++) if (out[i] !== expected[i]) differ++;
        expect(differ).toBe(0);
        expect(margin.every((v) => v === 12345)).toBe(true);
      });

    it('computes the same values in shares of rows (two threads share a box)', () => {
      const src = densities(61 * 47, 0, 65535, 5);
      const whole = byFilmWith(src, 61, 47, 130, 101).out;
      for (const splits of [[1], [50], [99, 100], [3, 17, 64]])
        expect(
          Buffer.from(byFilmWith(src, 61, 47, 130, 101, splits).out.buffer).equals(Buffer.from(whole.buffer)),
        ).toBe(true);
    });

    it('writes the view of each density it stores, when asked', () => {
      const src = densities(23 * 19, 20, 320, 13);
      const canvas = new Uint16Array(61 * 50);
      const grey = new Uint8Array(61 * 50);
      const table = new Uint16Array(65536).map((_, d) => (d * 13) % 251);
      enlarge(
        { w: 23, h: 19, outW: 61, outH: 50, canvasWidth: 61, dx: 0, dy: 0, lo: 20, hi: 320 },
        (r, into, at) => into.set(src.subarray(r * 23, (r + 1) * 23), at),
        canvas,
        { grey, table },
      );
      for (let i = 0; i < canvas.length; i++) expect(grey[i]).toBe(table[canvas[i]!]);
    });
  });
