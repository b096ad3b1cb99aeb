/**
 * A printer's measured characteristic curve (profile key characteristicCurve: P -> OD as a
 * densitometer read it) turned into how that printer departs from the GSDF: for each P, the
 * P-value at which the GSDF of the measured film (its own Dmin, Dmax and light box) gives the
 * density measured. Applied to another film's densities and light box, that P -> P' response
 * prints as the measured printer would, calibration drift included. Pure.
 */
import { jnd, type Viewing } from './gsdf.js';

export interface CharacteristicCurve {
  illumination?: number;
  reflectedAmbient?: number;
  points: { p: number; od: number }[];
}

const GSDF_MIN_L = 0.05;
const GSDF_MAX_L = 4000;
const inGsdf = (L: number) => Math.min(GSDF_MAX_L, Math.max(GSDF_MIN_L, L));

/** The GSDF's P (0..1) for density D between dmin and dmax under v: PS3.14 7.2 read backwards. */
export function gsdfPValue(D: number, dmin: number, dmax: number, v: Viewing): number {
  const jmin = jnd(inGsdf(v.reflectedAmbient + v.illumination * 10 ** -dmax));
  const jmax = jnd(inGsdf(v.reflectedAmbient + v.illumination * 10 ** -dmin));
  if (jmax <= jmin) return 0;
  const j = jnd(inGsdf(v.reflectedAmbient + v.illumination * 10 ** -D));
  return Math.min(1, Math.max(0, (j - jmin) / (jmax - jmin)));
}

/**
 * P' for each of `levels` P-values 0..1: each reading's P' (where the measured film's GSDF has its
 * density), linearly interpolated in P between readings, flat beyond the ends. Interpolating P'
 * rather than OD keeps a printer on the GSDF exactly on it between the steps read.
 */
export function responseTable(curve: CharacteristicCurve, levels: number): Float64Array {
  const points = [...curve.points].sort((a, b) => a.p - b.p);
  const ods = points.map((x) => x.od);
  const dmin = Math.min(...ods);
  const dmax = Math.max(...ods);
  const v = { illumination: curve.illumination ?? 2000, reflectedAmbient: curve.reflectedAmbient ?? 10 };
  const known = points.map((x) => ({ p: x.p, q: gsdfPValue(x.od, dmin, dmax, v) }));
  const out = new Float64Array(levels);
  let k = 1;
  for (let i = 0; i < levels; i++) {
    const p = i / (levels - 1);
    while (k < known.length - 1 && known[k]!.p < p) k++;
    const a = known[k - 1]!;
    const b = known[k]!;
    if (p <= a.p) out[i] = a.q;
    else if (p >= b.p) out[i] = b.q;
    else out[i] = a.q + ((p - a.p) / (b.p - a.p)) * (b.q - a.q);
  }
  return out;
}
