/**
 * The Grayscale Standard Display Function (PS3.14): luminance from JND index and back, and the
 * P-value -> optical density mapping of a film seen on a light box (docs/spec/rendering.md#gsdf). Pure.
 */

const [a, b, c, d, e, f, g, h, k, m] = [
  -1.3011877, -2.5840191e-2, 8.0242636e-2, -1.0320229e-1, 1.3646699e-1, 2.874562e-2, -2.5468404e-2,
  -3.1978977e-3, 1.2992634e-4, 1.3635334e-3,
];
const GSDF_MIN_L = 0.05;
const GSDF_MAX_L = 4000;
const INV = [
  71.498068, 94.593053, 41.912053, 9.8247004, 0.28175407, -1.1878455, -0.18014349, 0.14710899, -0.017046845,
];

/** Luminance (cd/m2) of JND index j (1..1023). */
export function luminance(j: number): number {
  const x = Math.log(j);
  const num = a + c * x + e * x ** 2 + g * x ** 3 + m * x ** 4;
  const den = 1 + b * x + d * x ** 2 + f * x ** 3 + h * x ** 4 + k * x ** 5;
  return 10 ** (num / den);
}

/** JND index of luminance L (cd/m2). */
export function jnd(L: number): number {
  const y = Math.log10(L);
  let j = 0;
  for (let i = INV.length - 1; i >= 0; i--) j = j * y + INV[i]!;
  return j;
}

/** Viewing conditions: L0 light-box (or illumination) luminance, La reflected ambient light. */
export interface Viewing {
  illumination: number;
  reflectedAmbient: number;
}

/**
 * The density for each P-value 0..levels-1, equally spaced in JND between the film's Dmax (P = 0)
 * and Dmin (P = max), in OD. Reflective media: pass reflectedAmbient 0.
 */
export function densityTable(levels: number, dmin: number, dmax: number, v: Viewing): Float64Array {
  const { illumination: L0, reflectedAmbient: La } = v;
  // The GSDF is defined for 0.05..4000 cd/m2: very dim or very bright viewing is clamped into it.
  const inRange = (L: number) => Math.min(GSDF_MAX_L, Math.max(GSDF_MIN_L, L));
  const jmin = jnd(inRange(La + L0 * 10 ** -dmax));
  const jmax = jnd(inRange(La + L0 * 10 ** -dmin));
  const out = new Float64Array(levels);
  for (let p = 0; p < levels; p++) {
    const j = jmin + (p / (levels - 1)) * (jmax - jmin);
    const L = luminance(j) - La;
    const D = L > 0 ? -Math.log10(L / L0) : dmax;
    out[p] = Math.min(dmax, Math.max(dmin, D));
  }
  // P = 0 is Max Density and P = max is Min Density, exactly (docs/spec/rendering.md#pipeline).
  out[0] = dmax;
  out[levels - 1] = dmin;
  // Where clamping flattened the curve, keep it monotonic (density never rises with P).
  for (let p = 1; p < levels; p++) if (out[p]! > out[p - 1]!) out[p] = out[p - 1]!;
  return out;
}

/** Luminance a viewer sees through density D on the light box. */
export function transmitted(D: number, v: Viewing): number {
  return v.reflectedAmbient + v.illumination * 10 ** -D;
}

/**
 * What a viewer sees through each density, indexed by any 16-bit density in hundredths of OD
 * (beyond 10.00 OD: black): luminance relative to the brightest (clear film), sRGB encoded, 0..top.
 * film.png uses it at 8 bits; a film's 16-bit DICOM object at 16.
 */
export function viewTable(v: Viewing, top: number): Uint16Array {
  const lMax = transmitted(0, v);
  const view = new Uint16Array(65536);
  for (let dd = 0; dd <= 1000; dd++) {
    const rel = transmitted(dd / 100, v) / lMax;
    const srgb = rel <= 0.0031308 ? 12.92 * rel : 1.055 * rel ** (1 / 2.4) - 0.055;
    view[dd] = Math.round(Math.min(1, Math.max(0, srgb)) * top);
  }
  view.fill(view[1000]!, 1001);
  return view;
}
