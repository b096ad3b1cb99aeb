/**
 * QA test patterns, generated (nothing is downloaded): the PS3.14 D.2 gray-step bars (32 steps,
 * and 18), an SMPTE RP 133-style pattern, TG18-QC-style and TG18-UNL-style uniformity fields.
 * Each pattern is drawn at any size and at 8 or 12 bits stored, MONOCHROME2 (0 = black), and says
 * where its measurable patches are: the density report (report.ts) reads the printed film there.
 * These are "-style" patterns: the published ones are images we do not redistribute; ours keep
 * their measurable parts (levels, positions, insets) and are made here. Pure.
 */

export type PatternBits = 8 | 12;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A region of one stored value that a QA measurement reads (its central part, away from edges). */
export interface Patch {
  label: string;
  /** The stored value (DDL) drawn there. */
  value: number;
  /** Where to measure, in image pixels: the patch's interior, inset from its drawn edges. */
  rect: Rect;
}

export interface PatternImage {
  name: PatternName;
  rows: number;
  columns: number;
  bits: PatternBits;
  /** rows x columns stored values, row by row. */
  pixels: Uint16Array;
  /** The measurable patches, in the order a report lists them (darkest step first for steps). */
  patches: Patch[];
  /** 'steps': one curve over increasing values; 'uniformity': one value everywhere. */
  kind: 'steps' | 'uniformity';
}

export interface PatternInfo {
  name: PatternName;
  title: string;
  description: string;
  kind: 'steps' | 'uniformity';
  /** Default size, rows x columns. */
  rows: number;
  columns: number;
}

export const PATTERN_NAMES = ['gray32', 'gray18', 'smpte', 'tg18-qc', 'tg18-unl10', 'tg18-unl80'] as const;
export type PatternName = (typeof PATTERN_NAMES)[number];

/** Bounds on a requested size: large enough for every patch, small enough for one film's box. */
export const MIN_SIDE = 64;
export const MAX_SIDE = 4096;

export const PATTERNS: Readonly<Record<PatternName, PatternInfo>> = {
  gray32: {
    name: 'gray32',
    title: 'PS3.14 D.2 gray steps, 32 bars',
    description:
      '32 horizontal bars of equal height, DDL_i = round((2^N-1)*i/31), darkest on top (PS3.14 D.2.1, Equation D.2-1)',
    kind: 'steps',
    rows: 1024,
    columns: 768,
  },
  gray18: {
    name: 'gray18',
    title: 'PS3.14 D.2 gray steps, 18 bars',
    description: 'the same with 18 bars: DDL_i = round((2^N-1)*i/17)',
    kind: 'steps',
    rows: 1024,
    columns: 768,
  },
  smpte: {
    name: 'smpte',
    title: 'SMPTE RP 133-style',
    description:
      '50% background with a 10x10 grid, eleven 0..100% patches in 10% steps, 5% inside 0% and 95% inside 100%, high- and low-contrast line pairs at the centre and corners',
    kind: 'steps',
    rows: 1024,
    columns: 1024,
  },
  'tg18-qc': {
    name: 'tg18-qc',
    title: 'TG18-QC-style',
    description:
      '16 patches in equal steps from black to white around a 50% centre, each with a small +/- 5% of range inset, a grid and two ramps',
    kind: 'steps',
    rows: 1024,
    columns: 1024,
  },
  'tg18-unl10': {
    name: 'tg18-unl10',
    title: 'TG18-UNL-style uniformity, 10%',
    description:
      'a uniform field at 10% of the range; nine measurement regions (centre, edges, corners) outlined by 1-pixel frames at 5% more',
    kind: 'uniformity',
    rows: 1024,
    columns: 1024,
  },
  'tg18-unl80': {
    name: 'tg18-unl80',
    title: 'TG18-UNL-style uniformity, 80%',
    description: 'the same at 80% of the range',
    kind: 'uniformity',
    rows: 1024,
    columns: 1024,
  },
};

export function isPatternName(s: string): s is PatternName {
  return (PATTERN_NAMES as readonly string[]).includes(s);
}

/** Equation D.2-1: the DDL of step i of n for an N-bit input. */
export function stepValue(i: number, n: number, bits: PatternBits): number {
  return Math.round(((2 ** bits - 1) * i) / (n - 1));
}

/** A fraction of the range as a stored value. */
const level = (fraction: number, bits: PatternBits) => Math.round(fraction * (2 ** bits - 1));

class Canvas {
  readonly pixels: Uint16Array;
  constructor(
    readonly columns: number,
    readonly rows: number,
    fill: number,
  ) {
    this.pixels = new Uint16Array(columns * rows).fill(fill);
  }

  fill(r: Rect, v: number): void {
    const x0 = Math.max(0, Math.round(r.x));
    const y0 = Math.max(0, Math.round(r.y));
    const x1 = Math.min(this.columns, Math.round(r.x + r.width));
    const y1 = Math.min(this.rows, Math.round(r.y + r.height));
    for (let y = y0; y < y1; y++) this.pixels.fill(v, y * this.columns + x0, y * this.columns + x1);
  }

  /** A 1-pixel frame just inside r. */
  frame(r: Rect, v: number): void {
    this.fill({ x: r.x, y: r.y, width: r.width, height: 1 }, v);
    this.fill({ x: r.x, y: r.y + r.height - 1, width: r.width, height: 1 }, v);
    this.fill({ x: r.x, y: r.y, width: 1, height: r.height }, v);
    this.fill({ x: r.x + r.width - 1, y: r.y, width: 1, height: r.height }, v);
  }

  /** Vertical line pairs of period 2 * `width` pixels alternating a and b over r. */
  lines(r: Rect, a: number, b: number, width = 1): void {
    const x0 = Math.round(r.x);
    for (let x = x0; x < Math.round(r.x + r.width); x++)
      this.fill({ x, y: r.y, width: 1, height: r.height }, Math.floor((x - x0) / width) % 2 ? b : a);
  }

  /** A horizontal ramp from a (left) to b (right) over r. */
  ramp(r: Rect, a: number, b: number): void {
    const x0 = Math.round(r.x);
    const w = Math.max(1, Math.round(r.width) - 1);
    for (let x = x0; x < x0 + Math.round(r.width); x++)
      this.fill({ x, y: r.y, width: 1, height: r.height }, Math.round(a + ((b - a) * (x - x0)) / w));
  }
}

/** The interior of r, `fraction` of it cut from each side (QA reads away from edges the printer blurs). */
export function inset(r: Rect, fraction: number): Rect {
  const dx = r.width * fraction;
  const dy = r.height * fraction;
  return { x: r.x + dx, y: r.y + dy, width: r.width - 2 * dx, height: r.height - 2 * dy };
}

function grayBars(c: Canvas, n: number, bits: PatternBits): Patch[] {
  const patches: Patch[] = [];
  for (let i = 0; i < n; i++) {
    const y0 = Math.round((i * c.rows) / n);
    const y1 = Math.round(((i + 1) * c.rows) / n);
    const bar = { x: 0, y: y0, width: c.columns, height: y1 - y0 };
    const value = stepValue(i, n, bits);
    c.fill(bar, value);
    // Measured in the bar's middle: a third of its height, the middle 60% of its width.
    patches.push({
      label: `step ${i + 1}`,
      value,
      rect: { x: c.columns * 0.2, y: y0 + bar.height / 3, width: c.columns * 0.6, height: bar.height / 3 },
    });
  }
  return patches;
}

function smpte(c: Canvas, bits: PatternBits): Patch[] {
  const max = 2 ** bits - 1;
  const W = c.columns;
  const H = c.rows;
  // Grid: 10 x 10 cells, 1-pixel lines at 70% (RP 133's lines are lighter than its background).
  for (let i = 0; i <= 10; i++) {
    const x = Math.min(W - 1, Math.round((i * W) / 10));
    const y = Math.min(H - 1, Math.round((i * H) / 10));
    c.fill({ x, y: 0, width: 1, height: H }, level(0.7, bits));
    c.fill({ x: 0, y, width: W, height: 1 }, level(0.7, bits));
  }
  const patches: Patch[] = [];
  // Eleven patches 0..100%: six along the top band, five along the bottom band, each one grid cell
  // (inside the cell's lines), centred.
  const cellW = W / 10;
  const cellH = H / 10;
  for (let k = 0; k <= 10; k++) {
    const top = k <= 5;
    const col = top ? 2 + k : 2 + (k - 6) + 0.5;
    const cell = { x: col * cellW + 2, y: (top ? 1 : 8) * cellH + 2, width: cellW - 3, height: cellH - 3 };
    const value = level(k / 10, bits);
    c.fill(cell, value);
    patches.push({ label: `${k * 10}%`, value, rect: inset(cell, 0.25) });
  }
  // 5% inside 0% and 95% inside 100%: two larger squares left and right of the centre.
  const square = (cx: number, outer: number, inner: number, label: string) => {
    const r = { x: cx - cellW, y: H / 2 - cellH, width: 2 * cellW, height: 2 * cellH };
    c.fill(r, outer);
    const ir = inset(r, 0.3);
    c.fill(ir, inner);
    patches.push({ label, value: inner, rect: inset(ir, 0.2) });
  };
  square(W * 0.2, 0, level(0.05, bits), '5% in 0%');
  square(W * 0.8, max, level(0.95, bits), '95% in 100%');
  // Resolution: 1-pixel line pairs at full contrast and at 45/55%, centre and corners.
  const res = (x: number, y: number) => {
    c.lines({ x, y, width: cellW * 0.8, height: cellH * 0.35 }, 0, max);
    c.lines(
      { x, y: y + cellH * 0.4, width: cellW * 0.8, height: cellH * 0.35 },
      level(0.45, bits),
      level(0.55, bits),
    );
  };
  res(W / 2 - cellW * 0.4, H / 2 - cellH * 0.4);
  for (const [x, y] of [
    [cellW * 0.1, cellH * 0.1],
    [W - cellW * 0.9, cellH * 0.1],
    [cellW * 0.1, H - cellH * 0.9],
    [W - cellW * 0.9, H - cellH * 0.9],
  ] as const)
    res(x, y);
  return patches;
}

function tg18qc(c: Canvas, bits: PatternBits): Patch[] {
  const max = 2 ** bits - 1;
  const W = c.columns;
  const H = c.rows;
  const cellW = W / 8;
  const cellH = H / 8;
  for (let i = 0; i <= 8; i++) {
    c.fill({ x: Math.min(W - 1, Math.round(i * cellW)), y: 0, width: 1, height: H }, level(0.75, bits));
    c.fill({ x: 0, y: Math.min(H - 1, Math.round(i * cellH)), width: W, height: 1 }, level(0.75, bits));
  }
  // 16 patches clockwise around the centre: eight along row 2 left to right, eight back along row 5.
  const patches: Patch[] = [];
  const places = Array.from({ length: 16 }, (_, k): [number, number] => (k < 8 ? [k, 2] : [15 - k, 5]));
  for (let k = 0; k < 16; k++) {
    const [col, row] = places[k]!;
    const cell = { x: col * cellW + 3, y: row * cellH + 3, width: cellW - 6, height: cellH - 6 };
    const value = stepValue(k, 16, bits);
    c.fill(cell, value);
    // A small low-contrast inset in the lower right quarter (5% of range, towards the middle).
    const d = level(0.05, bits);
    const insetValue = value < max / 2 ? value + d : value - d;
    c.fill(
      {
        x: cell.x + cell.width * 0.62,
        y: cell.y + cell.height * 0.62,
        width: cell.width * 0.25,
        height: cell.height * 0.25,
      },
      insetValue,
    );
    patches.push({
      label: `patch ${k + 1}`,
      value,
      rect: {
        x: cell.x + cell.width * 0.15,
        y: cell.y + cell.height * 0.15,
        width: cell.width * 0.4,
        height: cell.height * 0.4,
      },
    });
  }
  // Ramps top and bottom, black to white and back.
  c.ramp({ x: cellW, y: cellH * 0.35, width: W - 2 * cellW, height: cellH * 0.3 }, 0, max);
  c.ramp({ x: cellW, y: H - cellH * 0.65, width: W - 2 * cellW, height: cellH * 0.3 }, max, 0);
  return patches;
}

function uniformity(c: Canvas, fraction: number, bits: PatternBits): Patch[] {
  const value = level(fraction, bits);
  c.fill({ x: 0, y: 0, width: c.columns, height: c.rows }, value);
  const patches: Patch[] = [];
  const names = [
    'top left',
    'top',
    'top right',
    'left',
    'centre',
    'right',
    'bottom left',
    'bottom',
    'bottom right',
  ];
  const frameValue = level(fraction + 0.05, bits);
  // Regions 10% of the side, centred at 1/6, 1/2 and 5/6 of each side.
  for (let i = 0; i < 9; i++) {
    const cx = ((1 + 2 * (i % 3)) / 6) * c.columns;
    const cy = ((1 + 2 * Math.floor(i / 3)) / 6) * c.rows;
    const r = {
      x: Math.round(cx - c.columns * 0.05),
      y: Math.round(cy - c.rows * 0.05),
      width: Math.round(c.columns * 0.1),
      height: Math.round(c.rows * 0.1),
    };
    c.frame(r, frameValue);
    patches.push({ label: names[i]!, value, rect: inset(r, 0.2) });
  }
  return patches;
}

export interface PatternRequest {
  bits?: PatternBits;
  rows?: number;
  columns?: number;
}

/** Draw a pattern; rows and columns are bounded to [MIN_SIDE, MAX_SIDE] (the caller checks first). */
export function drawPattern(name: PatternName, req: PatternRequest = {}): PatternImage {
  const info = PATTERNS[name];
  const bits = req.bits ?? 12;
  const rows = req.rows ?? info.rows;
  const columns = req.columns ?? info.columns;
  for (const [what, v] of [
    ['rows', rows],
    ['columns', columns],
  ] as const)
    if (!Number.isInteger(v) || v < MIN_SIDE || v > MAX_SIDE)
      throw new RangeError(`${what} ${v}: must be an integer in ${MIN_SIDE}..${MAX_SIDE}`);
  const max = 2 ** bits - 1;
  const c = new Canvas(columns, rows, name === 'smpte' || name === 'tg18-qc' ? level(0.5, bits) : 0);
  let patches: Patch[];
  switch (name) {
    case 'gray32':
      patches = grayBars(c, 32, bits);
      break;
    case 'gray18':
      patches = grayBars(c, 18, bits);
      break;
    case 'smpte':
      patches = smpte(c, bits);
      break;
    case 'tg18-qc':
      patches = tg18qc(c, bits);
      break;
    case 'tg18-unl10':
      patches = uniformity(c, 0.1, bits);
      break;
    case 'tg18-unl80':
      patches = uniformity(c, 0.8, bits);
      break;
  }
  if (c.pixels.some((v) => v > max)) throw new Error(`pattern ${name} drew a value above ${max}`);
  return { name, rows, columns, bits, pixels: c.pixels, patches, kind: info.kind };
}
