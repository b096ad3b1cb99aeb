/**
 * Catmull-Rom magnification, computed the way sharp 0.35 / libvips 8.18 enlarge an image with a
 * cubic-family kernel (vips_resize hands an enlargement on both axes to vips_affine with the
 * "bicubic" interpolator), so that its results are the same to the last bit, at a fraction of the
 * cost: libvips's affine path takes 16 taps per output pixel through a generic region walker
 * (W2's 4096x5120 -> 4352x5440 cost ~500 ms of CPU); the same sums done as a row pass and a
 * column pass over typed arrays take about half that, and the density table, the box's density
 * clamp and the blit into the film canvas ride along, so no full-size intermediate image exists.
 * A sharp or libvips upgrade that enlarges otherwise fails test/render/bicubic.test.ts.
 *
 * What libvips does, and is reproduced here (test/render/bicubic.test.ts compares with sharp):
 * - scale = 1 / (in / out) per axis (sharp's fill); the output pixel X samples the input at
 *   u = X / scale - 0.5 (libvips 8.18 shifts by 0.5 input pixel), accumulated along a row as
 *   libvips does (u += 1/scale), quantized to 1/64 pixel (round to nearest);
 * - four taps floor(u)-1 .. floor(u)+2, edge pixels repeated beyond the image;
 * - in doubles, each of the four rows through the x weights, then those four through the y
 *   weights, each sum left to right; clipped to 0..65535 and truncated.
 */

/** Sub-pixel positions per pixel (VIPS_TRANSFORM_SCALE). */
const STEPS = 64;
/** Edge pixels repeated on each side of a padded source row, enough for any tap. */
const PAD = 3;

/** Catmull-Rom weights at each of the 65 sub-pixel positions, as libvips computes them. */
const WEIGHTS: Float64Array = (() => {
  const w = new Float64Array((STEPS + 1) * 4);
  for (let t = 0; t <= STEPS; t++) {
    const x = t / STEPS;
    const cr1 = 1 - x;
    const cr2 = -0.5 * x;
    const cr3 = cr1 * cr2;
    const cone = cr1 * cr3;
    const cfou = x * cr3;
    const cr4 = cfou - cone;
    w.set([cone, cr1 - cone + cr4, x - cfou - cr4, cfou], t * 4);
  }
  return w;
})();

/** Per output pixel along one axis: the first of its four input taps, and their weights. */
export interface Taps {
  first: Int32Array;
  weights: Float64Array;
}

function tap(u: number, i: number, first: Int32Array, weights: Float64Array): void {
  // u is the position in the border-extended input libvips reads (2 pixels on each side, plus
  // the interpolator's offset of 1); it is never negative there.
  const sub = (((Math.trunc(u * STEPS * 2) & (STEPS * 2 - 1)) + 1) >> 1) * 4;
  first[i] = Math.trunc(u) - 3;
  for (let k = 0; k < 4; k++) weights[i * 4 + k] = WEIGHTS[sub + k]!;
}

/**
 * The taps of an enlargement to `out` pixels whose output-to-input step is `inverse`. `along`:
 * positions accumulated pixel by pixel, as libvips steps along a row; else computed for each.
 */
export function taps(out: number, inverse: number, along: boolean): Taps {
  const first = new Int32Array(out);
  const weights = new Float64Array(out * 4);
  // libvips: minus its input offset (0.5, less the one-pixel border it adds), plus its window
  // offset; the same operations in the same order, so the same rounding.
  let u = 0 - (0.5 - 1) + 1;
  for (let i = 0; i < out; i++) {
    if (along) {
      tap(u, i, first, weights);
      u += inverse;
    } else tap(inverse * i - (0.5 - 1) + 1, i, first, weights);
  }
  return { first, weights };
}

/** The output-to-input steps of an enlargement from w x h to outW x outH, as libvips inverts it. */
export function inverses(w: number, h: number, outW: number, outH: number): { x: number; y: number } {
  // sharp asks for a scale of 1 / (in / out) per axis; libvips inverts the 2x2 diagonal matrix.
  const hs = 1 / (w / outW);
  const vs = 1 / (h / outH);
  const t = 1 / (hs * vs - 0 * 0);
  return { x: t * vs, y: t * hs };
}

/**
 * One source row of densities at a time (row r of the region being enlarged), written into
 * `into` from index PAD on: the caller maps stored values through the density table there.
 */
export type RowSource = (r: number, into: Float64Array, at: number) => void;

/** One enlargement: the region's size and its size enlarged, where it lands, its clamp. */
export interface Magnification {
  w: number;
  h: number;
  outW: number;
  outH: number;
  /** The canvas's width, and where the region's top-left lands in it. */
  canvasWidth: number;
  dx: number;
  dy: number;
  /** Every result is clamped to lo..hi (the box's density range). */
  lo: number;
  hi: number;
  /** The output rows to compute, [from, to) (default all): a share of the work for another thread. */
  from?: number;
  to?: number;
}

/** What a viewer sees of the canvas (an 8-bit canvas of the same size), written with the densities. */
export interface ViewOut {
  grey: Uint8Array;
  /** The view of each 16-bit density (gsdf.ts viewTable). */
  table: Uint16Array;
}

/**
 * Enlarge a w x h region (both out sizes larger) into `canvas`, and its view into `view.grey`
 * when given (the film's view pass then skips the region). Rows come from `row`; the row pass
 * keeps the four rows the column pass needs, so memory is a few rows whatever the size.
 */
export function magnifyInto(m: Magnification, row: RowSource, canvas: Uint16Array, view?: ViewOut): void {
  const { w, h, outW, outH, canvasWidth, dx, dy, lo, hi } = m;
  // libvips's affine walks the output in full-width strips: x positions accumulate along a row,
  // y positions are computed for each row.
  const step = inverses(w, h, outW, outH);
  const xs = taps(outW, step.x, true);
  const ys = taps(outH, step.y, false);
  const src = new Float64Array(w + 2 * PAD);
  const ring = Array.from({ length: 4 }, () => new Float64Array(outW));
  const ringRow = [-1, -1, -1, -1];
  const xFirst = xs.first;
  const xw = xs.weights;
  const rowPass = (r: number): Float64Array => {
    const slot = r & 3;
    const out = ring[slot]!;
    if (ringRow[slot] === r) return out;
    row(r, src, PAD);
    for (let k = 0; k < PAD; k++) {
      src[k] = src[PAD]!;
      src[PAD + w + k] = src[PAD + w - 1]!;
    }
    for (let x = 0, j = 0; x < outW; x++, j += 4) {
      // Taps beyond the repeated edge (never for an enlargement) are clamped to it.
      const b = Math.min(w + PAD - 1, Math.max(0, xFirst[x]! + PAD));
      out[x] =
        xw[j]! * src[b]! + xw[j + 1]! * src[b + 1]! + xw[j + 2]! * src[b + 2]! + xw[j + 3]! * src[b + 3]!;
    }
    ringRow[slot] = r;
    return out;
  };
  const clampRow = (r: number) => (r < 0 ? 0 : r >= h ? h - 1 : r);
  for (let y = m.from ?? 0, end = m.to ?? outH; y < end; y++) {
    const f = ys.first[y]!;
    const j = y * 4;
    // The four rows are consecutive (repeated at the edges), so r & 3 never collides.
    const r0 = rowPass(clampRow(f));
    const r1 = rowPass(clampRow(f + 1));
    const r2 = rowPass(clampRow(f + 2));
    const r3 = rowPass(clampRow(f + 3));
    const c0 = ys.weights[j]!;
    const c1 = ys.weights[j + 1]!;
    const c2 = ys.weights[j + 2]!;
    const c3 = ys.weights[j + 3]!;
    const o = (dy + y) * canvasWidth + dx;
    if (view) {
      const { grey, table } = view;
      for (let x = 0; x < outW; x++) {
        const v = c0 * r0[x]! + c1 * r1[x]! + c2 * r2[x]! + c3 * r3[x]!;
        // Truncated as the store into the canvas truncates (v >= lo >= 0 here), for the table.
        const d = (v < lo ? lo : v > hi ? hi : v) | 0;
        canvas[o + x] = d;
        grey[o + x] = table[d]!;
      }
    } else
      for (let x = 0; x < outW; x++) {
        const v = c0 * r0[x]! + c1 * r1[x]! + c2 * r2[x]! + c3 * r3[x]!;
        // libvips clips to 0..65535 and truncates; the box's range lies within, so one clamp does both.
        canvas[o + x] = v < lo ? lo : v > hi ? hi : v;
      }
  }
}
