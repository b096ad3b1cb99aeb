/**
 * A preview's large reduction begun while the image is read: each k x k block of densities (the
 * stored values through the density table) averaged into one pixel, a strip of rows at a time, so
 * sharp's lanczos3 is left a reduction of about 2-3x over a small image instead of a 40 MB
 * mammogram held whole, mapped in place and reduced by 8.8x (W2's preview: ~10 ms reading it whole,
 * ~40 ms mapping, 60-90 ms of sharp's CPU). libvips reduces the same way (an integer box shrink,
 * then its kernel over the rest: vips_resize's "gap"), so the thumbnail hardly moves: the preview
 * test compares it with film.png reduced. Not for films: their reductions stay sharp's.
 */
import type { ImageRegion } from './image-region.js';
import { RowReader } from './row-reader.js';

/** The integer block side for a reduction from `from` to `to` pixels, leaving the kernel >= 2x. */
export function shrinkFactor(from: number, to: number): number {
  return Math.min(MAX_K, Math.max(1, Math.floor(from / to / 2)));
}
/** Block sides above this could overflow a block's 32-bit sum of 16-bit densities (k * k * 65535). */
const MAX_K = 128;

export interface ShrinkJob extends ImageRegion {
  /** The block side. */
  k: number;
}

/**
 * The region's densities averaged over k x k blocks (rounded), ceil(w / k) x ceil(h / k): a last
 * partial block averages the pixels it has.
 */
export function boxShrink(job: ShrinkJob): { pixels: Uint16Array; width: number; height: number } {
  const { lut, mask, ox, oy, w, h, k } = job;
  const width = Math.ceil(w / k);
  const height = Math.ceil(h / k);
  const pixels = new Uint16Array(width * height);
  // Whole blocks along a row, then the last partial one, if any.
  const full = Math.floor(w / k);
  const sums = new Int32Array(width);
  const reader = new RowReader(job.file, job.columns, job.rows, job.bytesPerSample);
  try {
    const { words } = reader;
    for (let by = 0; by < height; by++) {
      const rows = Math.min(k, h - by * k);
      sums.fill(0);
      for (let r = 0; r < rows; r++) {
        const o = reader.row(oy + by * k + r) + ox;
        let i = o;
        for (let bx = 0; bx < full; bx++) {
          let s = 0;
          for (const end = i + k; i < end; i++) s += lut[words[i]! & mask]!;
          sums[bx] = sums[bx]! + s;
        }
        for (const end = o + w; i < end; i++) sums[full] = sums[full]! + lut[words[i]! & mask]!;
      }
      const line = by * width;
      for (let bx = 0; bx < width; bx++) {
        const n = (bx < full ? k : w - full * k) * rows;
        pixels[line + bx] = Math.round(sums[bx]! / n);
      }
    }
  } finally {
    reader.close();
  }
  return { pixels, width, height };
}
