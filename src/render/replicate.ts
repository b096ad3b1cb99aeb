/**
 * Nearest-neighbour enlargement (Magnification Type REPLICATE, and NONE when it scales), computed
 * as sharp 0.35 / libvips 8.18 do it, so that every value is the same (test/render/bicubic.test.ts
 * compares them): when both axes enlarge by a whole factor, vips_resize replicates pixels
 * (vips_zoom: output X shows input floor(X / factor)); otherwise vips_affine with the nearest
 * interpolator: no centre shift for nearest, a one-pixel border, the position accumulated along a
 * row and computed for each row, truncated. Like the Catmull-Rom path (bicubic.ts) it takes rows
 * one at a time, clamps to the box's range and writes the view with the densities.
 */
import { inverses, type Magnification, type RowSource, type ViewOut } from './bicubic.js';

/**
 * The source pixel of each output pixel of an enlargement to `out` pixels whose output-to-input
 * step is `inverse` (`zoom`: the whole factor, when vips_zoom does it); `along`: positions
 * accumulated pixel by pixel, as libvips steps along a row.
 */
export function nearestMap(
  out: number,
  inverse: number,
  along: boolean,
  zoom: number | undefined,
): Int32Array {
  const map = new Int32Array(out);
  if (zoom !== undefined) {
    for (let i = 0; i < out; i++) map[i] = Math.floor(i / zoom);
    return map;
  }
  let u = 0 - (0 - 1) + 0;
  for (let i = 0; i < out; i++) {
    map[i] = Math.trunc(along ? u : inverse * i - (0 - 1) + 0) - 1;
    u += inverse;
  }
  return map;
}

/**
 * Enlarge a w x h region (both out sizes larger) into `canvas` by pixel replication, as sharp's
 * nearest kernel does (test/render/bicubic.test.ts compares every value), and its view into
 * `view.grey` when given. A source row is read once; an output row repeating the one above is
 * copied.
 */
export function replicateInto(m: Magnification, row: RowSource, canvas: Uint16Array, view?: ViewOut): void {
  const { w, h, outW, outH, canvasWidth, dx, dy, lo, hi } = m;
  const hs = 1 / (w / outW);
  const vs = 1 / (h / outH);
  const zoom = Number.isInteger(hs) && Number.isInteger(vs);
  const step = inverses(w, h, outW, outH);
  const xs = nearestMap(outW, step.x, true, zoom ? hs : undefined);
  const ys = nearestMap(outH, step.y, false, zoom ? vs : undefined);
  const src = new Float64Array(w);
  let last = -1;
  for (let y = m.from ?? 0, end = m.to ?? outH; y < end; y++) {
    const r = Math.min(h - 1, Math.max(0, ys[y]!));
    const o = (dy + y) * canvasWidth + dx;
    if (r === last && y > (m.from ?? 0)) {
      canvas.copyWithin(o, o - canvasWidth, o - canvasWidth + outW);
      view?.grey.copyWithin(o, o - canvasWidth, o - canvasWidth + outW);
      continue;
    }
    row(r, src, 0);
    last = r;
    for (let x = 0; x < outW; x++) {
      const v = src[Math.min(w - 1, Math.max(0, xs[x]!))]!;
      const d = v < lo ? lo : v > hi ? hi : v;
      canvas[o + x] = d;
      if (view) view.grey[o + x] = view.table[d]!;
    }
  }
}
