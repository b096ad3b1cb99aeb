/**
 * What a printer should print (PS3.14 7.2, D.2.2): the target density of a P-value between a
 * film's Min and Max Density under its Illumination and Reflected Ambient Light, computed in
 * double precision (no table), and the JND index a density shows on the light box. The film's
 * stored values reach a P-value the way the printer reads them: polarity, then the Presentation
 * LUT (IDENTITY, LIN OD or LUT data). Pure.
 */
import { jnd, luminance, type Viewing } from '../render/gsdf.js';

const GSDF_MIN_L = 0.05;
const GSDF_MAX_L = 4000;
const inGsdf = (L: number) => Math.min(GSDF_MAX_L, Math.max(GSDF_MIN_L, L));

/** Density (OD) for P-value p in 0..1 on the GSDF between dmin and dmax (OD), PS3.14 Equations 7-3..7-5. */
export function gsdfDensity(p: number, dmin: number, dmax: number, v: Viewing): number {
  const { illumination: L0, reflectedAmbient: La } = v;
  const jmin = jnd(inGsdf(La + L0 * 10 ** -dmax));
  const jmax = jnd(inGsdf(La + L0 * 10 ** -dmin));
  const L = luminance(jmin + p * (jmax - jmin)) - La;
  const D = L > 0 ? -Math.log10(L / L0) : dmax;
  return Math.min(dmax, Math.max(dmin, D));
}

/** The JND index of the luminance density D shows on the light box (clamped into the GSDF's range). */
export function jndOfDensity(D: number, v: Viewing): number {
  return jnd(inGsdf(v.reflectedAmbient + v.illumination * 10 ** -D));
}

export interface LutSpec {
  shape?: string;
  descriptor?: number[];
  data?: number[];
}

/** How the printer names the Presentation LUT a box was printed with. */
export function lutName(lut: LutSpec | undefined): 'IDENTITY' | 'LIN OD' | 'LUT data' | 'none' {
  if (!lut) return 'none';
  if (lut.shape === 'LIN OD') return 'LIN OD';
  if (lut.data && lut.descriptor) return 'LUT data';
  return 'IDENTITY';
}

export interface BoxInput {
  bitsStored: number;
  photometricInterpretation: string;
  polarity: string;
  /** OD. */
  dmin: number;
  dmax: number;
  lut?: LutSpec;
  viewing: Viewing;
}

/**
 * The target for a stored value v (may be fractional: a patch's mean): x after polarity, then
 * LIN OD (linear from Dmax at x = 0 to Dmin) or a P-value through the LUT and the GSDF.
 */
export function targetFor(v: number, box: BoxInput): { pValue: number; target: number } {
  const max = 2 ** box.bitsStored - 1;
  const invert = (box.photometricInterpretation === 'MONOCHROME1') !== (box.polarity === 'REVERSE');
  const x = Math.min(1, Math.max(0, (invert ? max - v : v) / max));
  const lut = box.lut;
  if (lut?.shape === 'LIN OD') return { pValue: x, target: box.dmax - x * (box.dmax - box.dmin) };
  let p = x;
  if (lut?.data && lut.descriptor) {
    const i = Math.min(lut.data.length - 1, Math.round(x * (lut.data.length - 1)));
    p = lut.data[i]! / (2 ** lut.descriptor[2]! - 1);
  }
  return { pValue: p, target: gsdfDensity(p, box.dmin, box.dmax, box.viewing) };
}
