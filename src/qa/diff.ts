/**
 * Film diff: a film's density map (hundredths of OD) or light-box view (8-bit grey levels)
 * against a golden one of the same size: the difference's mean (signed and absolute), p95 and
 * max over the whole film, each image box and the image in it, judged by thresholds; and the
 * difference as an image. Films of different sizes are not comparable and fail. Pure.
 */
import type { Rect } from './patterns.js';

export type DiffUnit = 'od' | 'level';

export interface DiffThresholds {
  /** Largest mean absolute difference, p95 and max of any region, in the unit compared. */
  mean: number;
  p95: number;
  max: number;
}

/** OD for density maps; grey levels (0..255) for film.png. */
export const DEFAULT_THRESHOLDS: Record<DiffUnit, DiffThresholds> = {
  od: { mean: 0.02, p95: 0.05, max: 0.3 },
  level: { mean: 2, p95: 5, max: 40 },
};

export interface DiffStats {
  /** Mean of (film - golden): positive when the film is denser (or lighter, for levels). */
  meanSigned: number;
  mean: number;
  p95: number;
  max: number;
  /** Share of pixels that differ at all. */
  changed: number;
}

export interface DiffRegion extends DiffStats {
  name: string;
  position?: number;
  rect: Rect;
  pass: boolean;
}

export interface DiffReport {
  format: 'lightbox-diff/1';
  film: string;
  against: string;
  unit: DiffUnit;
  thresholds: DiffThresholds;
  comparable: boolean;
  reason?: string;
  size: { width: number; height: number };
  goldenSize: { width: number; height: number };
  whole?: DiffRegion;
  boxes: DiffRegion[];
  pass: boolean;
}

export interface DiffBox {
  position: number;
  box: Rect;
  image?: Rect;
}

/** Statistics of |a - b| (and a - b) over r, scaled by `scale` (0.01 for hundredths of OD). */
export function regionStats(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  width: number,
  r: Rect,
  scale: number,
): DiffStats {
  // Differences are integers: a histogram gives the p95 without sorting millions of values.
  const hist = new Uint32Array(65536);
  let sum = 0;
  let sumAbs = 0;
  let max = 0;
  let changed = 0;
  let n = 0;
  for (let y = r.y; y < r.y + r.height; y++)
    for (let x = r.x; x < r.x + r.width; x++) {
      const i = y * width + x;
      const d = a[i]! - b[i]!;
      const ad = Math.abs(d);
      sum += d;
      sumAbs += ad;
      if (ad > max) max = ad;
      if (ad > 0) changed++;
      hist[ad]!++;
      n++;
    }
  let p95 = 0;
  const need = Math.ceil(n * 0.95);
  let seen = 0;
  for (let k = 0; k <= max; k++) {
    seen += hist[k]!;
    if (seen >= need) {
      p95 = k;
      break;
    }
  }
  const r6 = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    meanSigned: r6(n ? (sum / n) * scale : 0),
    mean: r6(n ? (sumAbs / n) * scale : 0),
    p95: r6(p95 * scale),
    max: r6(max * scale),
    changed: r6(n ? changed / n : 0),
  };
}

const within = (s: DiffStats, t: DiffThresholds) =>
  s.mean <= t.mean + 1e-9 && s.p95 <= t.p95 + 1e-9 && s.max <= t.max + 1e-9;

export function diffMaps(o: {
  film: string;
  against: string;
  unit: DiffUnit;
  thresholds?: Partial<DiffThresholds>;
  map: { width: number; height: number; values: ArrayLike<number> };
  golden: { width: number; height: number; values: ArrayLike<number> };
  boxes: DiffBox[];
}): DiffReport {
  const thresholds = { ...DEFAULT_THRESHOLDS[o.unit], ...o.thresholds };
  const { width: W, height: H } = o.map;
  const base = {
    format: 'lightbox-diff/1' as const,
    film: o.film,
    against: o.against,
    unit: o.unit,
    thresholds,
    size: { width: W, height: H },
    goldenSize: { width: o.golden.width, height: o.golden.height },
  };
  if (o.golden.width !== W || o.golden.height !== H)
    return {
      ...base,
      comparable: false,
      reason: `the films differ in size (${W}x${H} against ${o.golden.width}x${o.golden.height}): another film size, orientation or resolution`,
      boxes: [],
      pass: false,
    };
  const scale = o.unit === 'od' ? 0.01 : 1;
  const region = (name: string, rect: Rect, position?: number): DiffRegion => {
    const s = regionStats(o.map.values, o.golden.values, W, rect, scale);
    return { name, ...(position === undefined ? {} : { position }), rect, ...s, pass: within(s, thresholds) };
  };
  const whole = region('film', { x: 0, y: 0, width: W, height: H });
  const boxes: DiffRegion[] = [];
  for (const b of o.boxes) {
    boxes.push(region(`box ${b.position}`, b.box, b.position));
    if (b.image) boxes.push(region(`box ${b.position} image`, b.image, b.position));
  }
  return { ...base, comparable: true, whole, boxes, pass: whole.pass && boxes.every((b) => b.pass) };
}

/**
 * The difference as an RGB image: red where the film is denser (darker) than the golden, blue
 * where lighter, full at `full` units; unchanged pixels a dim grey. For levels (film.png, where a
 * higher level is lighter) the colours keep the same meaning.
 */
export function differenceImage(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  count: number,
  unit: DiffUnit,
): Buffer {
  const full = unit === 'od' ? 25 : 64;
  const out = Buffer.alloc(count * 3, 24);
  for (let i = 0; i < count; i++) {
    let d = a[i]! - b[i]!;
    if (unit === 'level') d = -d;
    if (d === 0) continue;
    const v = Math.min(255, 60 + Math.round((Math.abs(d) / full) * 195));
    out[i * 3] = d > 0 ? v : 0;
    out[i * 3 + 1] = 0;
    out[i * 3 + 2] = d > 0 ? 0 : v;
  }
  return out;
}
