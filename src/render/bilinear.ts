/**
 * Bilinear enlargement (Magnification Type BILINEAR), computed as sharp 0.35 / libvips 8.18 do it,
 * so that every value is the same (test/render/bicubic.test.ts compares them), instead of
 * vips_affine's generic walker (as costly as its bicubic). What libvips does, reproduced here:
 * - the output pixel X samples the input at X / scale - 0.5 (its 0.5 input-pixel shift), in a
 *   border-extended input (one pixel, edges repeated), accumulated along a row, computed for each
 *   row, as for Catmull-Rom (bicubic.ts);
 * - the two taps trunc(u) - 1 and trunc(u), weights in 12-bit fixed point: X and Y the truncated
 *   fractions times 4096, c4 = (Y X) >> 12, c2 = ((4096 - Y) X) >> 12, c3 = Y - c4,
 *   c1 = 4096 - Y - c2, the sum rounded: (c1 p1 + c2 p2 + c3 p3 + c4 p4 + 2048) >> 12.
 * Like the Catmull-Rom path it takes rows one at a time, clamps to the box's range and writes
 * the view with the densities.
 */
import { inverses, type Magnification, type RowSource, type ViewOut } from './bicubic.js';

/** libvips's VIPS_INTERPOLATE_SCALE: weights in 1/4096. */
const SCALE = 4096;
const SHIFT = 12;

/** Per output pixel along one axis: its first tap in the border-extended input, and its weight. */
export function linearTaps(
  out: number,
  inverse: number,
  along: boolean,
): { first: Int32Array; frac: Int32Array } {
  const first = new Int32Array(out);
  const frac = new Int32Array(out);
  let u = 0 - (0.5 - 1) + 0;
  for (let i = 0; i < out; i++) {
    const p = along ? u : inverse * i - (0.5 - 1) + 0;
    const t = Math.trunc(p);
    first[i] = t - 1;
    frac[i] = Math.trunc((p - t) * SCALE);
    u += inverse;
  }
  return { first, frac };
}

/** Enlarge a w x h region (both out sizes larger) into `canvas` bilinearly, its view into `view.grey`. */
export function bilinearInto(m: Magnification, row: RowSource, canvas: Uint16Array, view?: ViewOut): void {
  const { w, h, outW, outH, canvasWidth, dx, dy, lo, hi } = m;
  const step = inverses(w, h, outW, outH);
  const xs = linearTaps(outW, step.x, true);
  const ys = linearTaps(outH, step.y, false);
  // Each output pixel's two source columns, edges repeated.
  const left = new Int32Array(outW);
  const right = new Int32Array(outW);
  for (let x = 0; x < outW; x++) {
    const f = xs.first[x]!;
    left[x] = f < 0 ? 0 : f >= w ? w - 1 : f;
    right[x] = f + 1 < 0 ? 0 : f + 1 >= w ? w - 1 : f + 1;
  }
  // The two source rows in use, by parity (consecutive rows never collide).
  const rows = [new Float64Array(w), new Float64Array(w)];
  const held = [-1, -1];
  const source = (r: number): Float64Array => {
    const slot = r & 1;
    if (held[slot] !== r) {
      row(r, rows[slot]!, 0);
      held[slot] = r;
    }
    return rows[slot]!;
  };
  const clampRow = (r: number) => (r < 0 ? 0 : r >= h ? h - 1 : r);
  const xf = xs.frac;
  for (let y = m.from ?? 0, end = m.to ?? outH; y < end; y++) {
    const f = ys.first[y]!;
    const top = source(clampRow(f));
    const bottom = source(clampRow(f + 1));
    const Y = ys.frac[y]!;
    const Yd = SCALE - Y;
    const o = (dy + y) * canvasWidth + dx;
    for (let x = 0; x < outW; x++) {
      const X = xf[x]!;
      const c4 = (Y * X) >> SHIFT;
      const c2 = (Yd * X) >> SHIFT;
      const c3 = Y - c4;
      const c1 = Yd - c2;
      const a = left[x]!;
      const b = right[x]!;
      const v = (c1 * top[a]! + c2 * top[b]! + c3 * bottom[a]! + c4 * bottom[b]! + SCALE / 2) >> SHIFT;
      const d = v < lo ? lo : v > hi ? hi : v;
      canvas[o + x] = d;
      if (view) view.grey[o + x] = view.table[d]!;
    }
  }
}
