/**
 * The density report of a printed film that carries a test pattern (PS3.14 D.2 method): for each
 * image box with a known pattern, each patch's density as rendered (read from the density map)
 * against the target the film's own Min/Max Density, Illumination, Reflected Ambient Light,
 * polarity and Presentation LUT give for the value received, in OD and in JNDs, with pass/fail by
 * a protocol's tolerances; uniformity within a field and across frame positions. Pure: the caller
 * reads the files (film-qa.ts).
 */
import type { Viewing } from '../render/gsdf.js';
import { drawPattern, PATTERNS, type PatternBits, type PatternName, type Rect } from './patterns.js';
import { type QaProtocol, stepTolerance } from './protocols.js';
import { matchScore, type ReceivedImage, recognise } from './recognise.js';
import { type BoxInput, jndOfDensity, type LutSpec, lutName, targetFor } from './targets.js';

/** One image box as printed: what it received, how it was printed and where it landed. */
export interface QaBox {
  position: number;
  image: ReceivedImage;
  polarity: string;
  /** Hundredths of OD, as the film box or image box set them (effective, after clamping). */
  minDensity: number;
  maxDensity: number;
  lut?: LutSpec;
  /** Where the image was drawn on the film (render.json), and the density map there, hundredths of OD. */
  placed: Rect;
  density: Uint16Array;
  /** render.json's fit: a cropped image cannot be measured patch by patch. */
  fit?: string;
}

export interface QaStep {
  label: string;
  /** The pattern's value at this depth, and the mean value received in the patch. */
  nominalValue: number;
  storedValue: number;
  /** After polarity and the Presentation LUT (LIN OD: the linear position), 0..1. */
  pValue: number;
  target: number;
  measured: number;
  /** Standard deviation of the density map in the patch (OD). */
  sd: number;
  residual: number;
  jndTarget: number;
  jndMeasured: number;
  jndError: number;
  tolerance: number;
  pass: boolean;
}

export interface QaInterval {
  from: string;
  to: string;
  /** JNDs per increment of the stored value between two steps (PS3.14 D.2.4). */
  jndPerValueTarget: number;
  jndPerValueMeasured: number;
}

export interface QaBoxReport {
  position: number;
  pattern: PatternName;
  title: string;
  kind: 'steps' | 'uniformity';
  /** 'recognised' from the pixels, or 'chosen' by the request. */
  how: 'recognised' | 'chosen';
  /** Share of sampled pixels matching the pattern. */
  match: number;
  bitsStored: number;
  photometricInterpretation: string;
  polarity: string;
  presentationLut: string;
  minDensity: number;
  maxDensity: number;
  steps: QaStep[];
  intervals: QaInterval[];
  /** The target curve over P (0..1), for plots. */
  curve: { pValue: number; target: number }[];
  maxAbsResidual: number;
  maxAbsJndError: number;
  /** Uniformity fields: the spread (max - min) of the regions' densities. */
  uniformity?: { mean: number; spread: number; limit: number; pass: boolean };
  pass: boolean;
}

export interface QaReport {
  format: 'lightbox-qa/1';
  film: string;
  protocol: { name: string; title: string; source: string; uniformityOd: number };
  viewing: Viewing;
  boxes: QaBoxReport[];
  /** Boxes not reported, and why. */
  skipped: { position: number; reason: string }[];
  /** The same step at several frame positions (same pattern): spread of the residuals. */
  positions: { pattern: PatternName; label: string; positions: number[]; spread: number; pass: boolean }[];
  pass: boolean;
}

const r4 = (v: number) => Math.round(v * 10_000) / 10_000;

/** Mean of values over the integer pixels inside r (at least the pixel at its centre). */
function meanIn(
  values: ArrayLike<number>,
  width: number,
  height: number,
  r: Rect,
  margin: number,
): { mean: number; sd: number } {
  let x0 = Math.ceil(r.x) + margin;
  let y0 = Math.ceil(r.y) + margin;
  let x1 = Math.floor(r.x + r.width) - margin;
  let y1 = Math.floor(r.y + r.height) - margin;
  if (x1 <= x0 || y1 <= y0) {
    x0 = Math.min(width - 1, Math.max(0, Math.floor(r.x + r.width / 2)));
    y0 = Math.min(height - 1, Math.max(0, Math.floor(r.y + r.height / 2)));
    x1 = x0 + 1;
    y1 = y0 + 1;
  }
  x0 = Math.max(0, x0);
  y0 = Math.max(0, y0);
  x1 = Math.min(width, x1);
  y1 = Math.min(height, y1);
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const v = values[y * width + x]!;
      sum += v;
      sq += v * v;
      n++;
    }
  const mean = sum / n;
  return { mean, sd: Math.sqrt(Math.max(0, sq / n - mean * mean)) };
}

/** Film pixels the printer's resampling kernel may blur at a patch's edge. */
const EDGE_MARGIN = 3;

function boxReport(
  box: QaBox,
  viewing: Viewing,
  protocol: QaProtocol,
  chosen: PatternName | undefined,
): QaBoxReport | { reason: string } {
  const img = box.image;
  if (img.bitsStored !== 8 && img.bitsStored !== 12)
    return { reason: `bits stored ${img.bitsStored}: patterns are 8 or 12 bits` };
  if (box.fit === 'cropped') return { reason: 'the image was cropped: its patches cannot be placed' };
  let name: PatternName;
  let match: number;
  if (chosen) {
    name = chosen;
    match = matchScore(chosen, img);
  } else {
    const found = recognise(img);
    if (!found) return { reason: 'no known test pattern recognised in this image' };
    name = found.name;
    match = found.score;
  }
  const pattern = drawPattern(name, {
    bits: img.bitsStored as PatternBits,
    rows: img.rows,
    columns: img.columns,
  });
  const input: BoxInput = {
    bitsStored: img.bitsStored,
    photometricInterpretation: img.photometricInterpretation,
    polarity: box.polarity,
    dmin: box.minDensity / 100,
    dmax: box.maxDensity / 100,
    lut: box.lut,
    viewing,
  };
  const fx = box.placed.width / img.columns;
  const fy = box.placed.height / img.rows;
  const steps: QaStep[] = pattern.patches.map((patch) => {
    const stored = meanIn(img.pixels, img.columns, img.rows, patch.rect, 0).mean;
    const { pValue, target } = targetFor(stored, input);
    const filmRect = {
      x: patch.rect.x * fx,
      y: patch.rect.y * fy,
      width: patch.rect.width * fx,
      height: patch.rect.height * fy,
    };
    const d = meanIn(box.density, box.placed.width, box.placed.height, filmRect, EDGE_MARGIN);
    const measured = d.mean / 100;
    const jndTarget = jndOfDensity(target, viewing);
    const jndMeasured = jndOfDensity(measured, viewing);
    const tolerance = stepTolerance(protocol, target, input.dmin, input.dmax);
    const residual = measured - target;
    return {
      label: patch.label,
      nominalValue: patch.value,
      storedValue: r4(stored),
      pValue: r4(pValue),
      target: r4(target),
      measured: r4(measured),
      sd: r4(d.sd / 100),
      residual: r4(residual),
      jndTarget: r4(jndTarget),
      jndMeasured: r4(jndMeasured),
      jndError: r4(jndMeasured - jndTarget),
      tolerance,
      pass: Math.abs(residual) <= tolerance + 1e-9,
    };
  });
  const intervals: QaInterval[] = [];
  if (pattern.kind === 'steps') {
    const byP = [...steps].sort((a, b) => a.pValue - b.pValue);
    for (let i = 1; i < byP.length; i++) {
      const a = byP[i - 1]!;
      const b = byP[i]!;
      const dv = Math.abs(b.storedValue - a.storedValue);
      if (dv < 0.5) continue;
      intervals.push({
        from: a.label,
        to: b.label,
        jndPerValueTarget: r4((b.jndTarget - a.jndTarget) / dv),
        jndPerValueMeasured: r4((b.jndMeasured - a.jndMeasured) / dv),
      });
    }
  }
  const curve = Array.from({ length: 65 }, (_, i) => {
    const p = i / 64;
    const max = 2 ** img.bitsStored - 1;
    // The stored value that reaches x = p after polarity, so the curve uses the same path as the steps.
    const invert = (img.photometricInterpretation === 'MONOCHROME1') !== (box.polarity === 'REVERSE');
    const v = (invert ? 1 - p : p) * max;
    const t = targetFor(v, input);
    return { pValue: r4(t.pValue), target: r4(t.target) };
  }).sort((a, b) => a.pValue - b.pValue);
  let uniformity: QaBoxReport['uniformity'];
  if (pattern.kind === 'uniformity') {
    const m = steps.map((s) => s.measured);
    const spread = Math.max(...m) - Math.min(...m);
    uniformity = {
      mean: r4(m.reduce((a, b) => a + b, 0) / m.length),
      spread: r4(spread),
      limit: protocol.uniformityOd,
      pass: spread <= protocol.uniformityOd + 1e-9,
    };
  }
  const maxAbs = (xs: number[]) => r4(xs.reduce((m, v) => Math.max(m, Math.abs(v)), 0));
  return {
    position: box.position,
    pattern: name,
    title: PATTERNS[name].title,
    kind: pattern.kind,
    how: chosen ? 'chosen' : 'recognised',
    match: r4(match),
    bitsStored: img.bitsStored,
    photometricInterpretation: img.photometricInterpretation,
    polarity: box.polarity,
    presentationLut: lutName(box.lut),
    minDensity: input.dmin,
    maxDensity: input.dmax,
    steps,
    intervals,
    curve,
    maxAbsResidual: maxAbs(steps.map((s) => s.residual)),
    maxAbsJndError: maxAbs(steps.map((s) => s.jndError)),
    ...(uniformity ? { uniformity } : {}),
    pass: steps.every((s) => s.pass) && (uniformity?.pass ?? true),
  };
}

export function densityReport(o: {
  film: string;
  viewing: Viewing;
  boxes: QaBox[];
  protocol: QaProtocol;
  pattern?: PatternName;
  /** Boxes the caller could not read (color, empty...). */
  skipped?: { position: number; reason: string }[];
}): QaReport {
  const boxes: QaBoxReport[] = [];
  const skipped = [...(o.skipped ?? [])];
  for (const b of o.boxes) {
    const r = boxReport(b, o.viewing, o.protocol, o.pattern);
    if ('reason' in r) skipped.push({ position: b.position, reason: r.reason });
    else boxes.push(r);
  }
  skipped.sort((a, b) => a.position - b.position);
  // Across frame positions: each step of a pattern printed in several boxes.
  const positions: QaReport['positions'] = [];
  const byPattern = new Map<PatternName, QaBoxReport[]>();
  for (const b of boxes) byPattern.set(b.pattern, [...(byPattern.get(b.pattern) ?? []), b]);
  for (const [pattern, group] of byPattern) {
    if (group.length < 2) continue;
    group[0]!.steps.forEach((s, i) => {
      const residuals = group.map((g) => g.steps[i]!.residual);
      const spread = Math.max(...residuals) - Math.min(...residuals);
      positions.push({
        pattern,
        label: s.label,
        positions: group.map((g) => g.position),
        spread: r4(spread),
        pass: spread <= o.protocol.uniformityOd + 1e-9,
      });
    });
  }
  return {
    format: 'lightbox-qa/1',
    film: o.film,
    protocol: {
      name: o.protocol.name,
      title: o.protocol.title,
      source: o.protocol.source,
      uniformityOd: o.protocol.uniformityOd,
    },
    viewing: o.viewing,
    boxes,
    skipped,
    positions,
    pass: boxes.length > 0 && boxes.every((b) => b.pass) && positions.every((p) => p.pass),
  };
}
