/**
 * A real printer's measured characteristic curve (PS3.14 D.2.1): densitometer readings of a
 * printed step film (CSV: step, OD, optionally the DDL printed) turned into its deviation from
 * the GSDF (D.2.2, D.2.4): per step the target for the printer's own Dmin and Dmax under the light
 * box the readings assume, the residual in OD and JND, the JNDs per DDL increment, and the
 * gamma that best explains the departure (P -> P^gamma before the GSDF). The curve comes back in
 * the form a printer profile's characteristicCurve takes. Pure.
 */
import type { Viewing } from '../render/gsdf.js';
import { type QaProtocol, stepTolerance } from './protocols.js';
import { gsdfDensity, jndOfDensity } from './targets.js';

export class CurveError extends Error {}

export interface Reading {
  step: number;
  ddl: number;
  od: number;
}

/** Readings a file may hold; a densitometer session is tens of steps. */
export const MAX_READINGS = 4096;

/**
 * Parse readings: one `step,od[,ddl]` per line, an optional header line, blank lines and `#`
 * comments ignored. Without a DDL column, step i of n printed DDL round((2^bits-1)(i-1)/(n-1))
 * (Equation D.2-1, step 1 darkest).
 */
export function parseReadings(csv: string, bits: 8 | 12): Reading[] {
  const max = 2 ** bits - 1;
  const rows: { line: number; cells: string[] }[] = [];
  csv.split(/\r?\n/).forEach((text, i) => {
    const t = text.trim();
    if (t === '' || t.startsWith('#')) return;
    rows.push({ line: i + 1, cells: t.split(/[,;\t]/).map((c) => c.trim()) });
  });
  if (rows.length > 0 && rows[0]!.cells.some((c) => c !== '' && !Number.isFinite(Number(c)))) {
    const head = rows.shift()!.cells.map((c) => c.toLowerCase());
    if (head[0] !== 'step' || head[1] !== 'od' || (head.length > 2 && head[2] !== 'ddl'))
      throw new CurveError(`header must be step,od or step,od,ddl (found ${head.join(',').slice(0, 60)})`);
  }
  if (rows.length < 3) throw new CurveError(`${rows.length} readings: at least 3 steps are needed`);
  if (rows.length > MAX_READINGS) throw new CurveError(`${rows.length} readings: at most ${MAX_READINGS}`);
  const n = rows.length;
  const out = rows.map(({ line, cells }, i) => {
    const [step, od, ddl] = cells.map(Number);
    if (cells.length < 2 || cells.length > 3) throw new CurveError(`line ${line}: expected step,od[,ddl]`);
    if (!Number.isInteger(step) || step! < 1)
      throw new CurveError(`line ${line}: step must be an integer >= 1`);
    if (!Number.isFinite(od) || od! < 0 || od! > 5) throw new CurveError(`line ${line}: OD must be 0..5`);
    const value = cells.length === 3 ? ddl! : Math.round((max * i) / (n - 1));
    if (!Number.isInteger(value) || value < 0 || value > max)
      throw new CurveError(`line ${line}: DDL must be an integer 0..${max}`);
    return { step: step!, ddl: value, od: od! };
  });
  if (new Set(out.map((r) => r.ddl)).size !== out.length) throw new CurveError('two readings for one DDL');
  return out;
}

export interface CurveStep extends Reading {
  pValue: number;
  target: number;
  residual: number;
  jndMeasured: number;
  jndTarget: number;
  jndError: number;
  tolerance: number;
  pass: boolean;
}

export interface CurveReport {
  format: 'lightbox-curve/1';
  bits: number;
  viewing: Viewing;
  /** The printer's range as measured (the GSDF target spans it, PS3.14 D.2.2). */
  dmin: number;
  dmax: number;
  protocol: { name: string; title: string };
  steps: CurveStep[];
  /** D.2.4: JNDs per DDL increment between consecutive steps, measured and target. */
  intervals: { from: number; to: number; jndPerDdlMeasured: number; jndPerDdlTarget: number }[];
  /** Measured JNDs per DDL increment: mean, and a straight-line fit over P (first and last P). */
  jndPerDdl: { mean: number; targetMean: number; fitAtP0: number; fitAtP1: number };
  /** The gamma whose P^gamma through the GSDF best fits the readings (1: on the GSDF). */
  gamma: number;
  maxAbsResidual: number;
  maxAbsJndError: number;
  rmsJndError: number;
  pass: boolean;
  /** For a printer profile: Lightbox then prints as this printer does. */
  characteristicCurve: {
    illumination: number;
    reflectedAmbient: number;
    points: { p: number; od: number }[];
  };
}

const r4 = (v: number) => Math.round(v * 10_000) / 10_000;

/** The gamma in [0.2, 5] minimising the squared OD error of P^gamma through the GSDF (golden section on log gamma). */
function fitGamma(steps: { pValue: number; od: number }[], dmin: number, dmax: number, v: Viewing): number {
  const cost = (lg: number) => {
    const g = Math.exp(lg);
    return steps.reduce((s, x) => s + (x.od - gsdfDensity(x.pValue ** g, dmin, dmax, v)) ** 2, 0);
  };
  let a = Math.log(0.2);
  let b = Math.log(5);
  const k = (Math.sqrt(5) - 1) / 2;
  let c = b - k * (b - a);
  let d = a + k * (b - a);
  for (let i = 0; i < 80; i++) {
    if (cost(c) < cost(d)) b = d;
    else a = c;
    c = b - k * (b - a);
    d = a + k * (b - a);
  }
  return Math.exp((a + b) / 2);
}

export function analyseCurve(
  readings: Reading[],
  o: { bits: 8 | 12; viewing: Viewing; protocol: QaProtocol },
): CurveReport {
  const max = 2 ** o.bits - 1;
  const sorted = [...readings].sort((a, b) => a.ddl - b.ddl);
  const ods = sorted.map((r) => r.od);
  const dmin = Math.min(...ods);
  const dmax = Math.max(...ods);
  if (dmax - dmin < 0.1)
    throw new CurveError(`the readings span ${(dmax - dmin).toFixed(2)} OD: not a step film`);
  const steps: CurveStep[] = sorted.map((r) => {
    const pValue = r.ddl / max;
    const target = gsdfDensity(pValue, dmin, dmax, o.viewing);
    const jndMeasured = jndOfDensity(r.od, o.viewing);
    const jndTarget = jndOfDensity(target, o.viewing);
    const tolerance = stepTolerance(o.protocol, target, dmin, dmax);
    return {
      ...r,
      pValue: r4(pValue),
      target: r4(target),
      residual: r4(r.od - target),
      jndMeasured: r4(jndMeasured),
      jndTarget: r4(jndTarget),
      jndError: r4(jndMeasured - jndTarget),
      tolerance,
      pass: Math.abs(r.od - target) <= tolerance + 1e-9,
    };
  });
  const intervals = steps.slice(1).map((b, i) => {
    const a = steps[i]!;
    const dv = b.ddl - a.ddl;
    return {
      from: a.step,
      to: b.step,
      jndPerDdlMeasured: r4((b.jndMeasured - a.jndMeasured) / dv),
      jndPerDdlTarget: r4((b.jndTarget - a.jndTarget) / dv),
    };
  });
  // Least-squares line of the measured JNDs per increment over the interval's mid P.
  const xs = intervals.map((_, i) => (steps[i]!.pValue + steps[i + 1]!.pValue) / 2);
  const ys = intervals.map((x) => x.jndPerDdlMeasured);
  const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
  const my = ys.reduce((s, y) => s + y, 0) / ys.length;
  const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  const slope = sxx > 0 ? xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / sxx : 0;
  const targetMean = intervals.reduce((s, x) => s + x.jndPerDdlTarget, 0) / intervals.length;
  const maxAbs = (xs: number[]) => r4(xs.reduce((m, v) => Math.max(m, Math.abs(v)), 0));
  const jndErrors = steps.map((s) => s.jndError);
  return {
    format: 'lightbox-curve/1',
    bits: o.bits,
    viewing: o.viewing,
    dmin,
    dmax,
    protocol: { name: o.protocol.name, title: o.protocol.title },
    steps,
    intervals,
    jndPerDdl: {
      mean: r4(my),
      targetMean: r4(targetMean),
      fitAtP0: r4(my - slope * mx),
      fitAtP1: r4(my + slope * (1 - mx)),
    },
    gamma: r4(
      fitGamma(
        steps.map((s) => ({ pValue: s.ddl / max, od: s.od })),
        dmin,
        dmax,
        o.viewing,
      ),
    ),
    maxAbsResidual: maxAbs(steps.map((s) => s.residual)),
    maxAbsJndError: maxAbs(jndErrors),
    rmsJndError: r4(Math.sqrt(jndErrors.reduce((s, e) => s + e * e, 0) / jndErrors.length)),
    pass: steps.every((s) => s.pass),
    characteristicCurve: {
      illumination: o.viewing.illumination,
      reflectedAmbient: o.viewing.reflectedAmbient,
      points: sorted.map((r) => ({ p: r4(r.ddl / max), od: r.od })),
    },
  };
}
