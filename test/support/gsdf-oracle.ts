/**
 * An independent GSDF for tests, written from PS3.14 itself (7.1: L(j) and j(L) with the
 * coefficients as the standard prints them; 7.2: transmissive film; LIN OD as Lightbox reads it):
 * nothing here comes from src/, so a test that compares Lightbox with it can fail.
 */

const A = [-1.3011877, 8.0242636e-2, 1.3646699e-1, -2.5468404e-2, 1.3635334e-3]; // a c e g m
const B = [-2.5840191e-2, -1.0320229e-1, 2.874562e-2, -3.1978977e-3, 1.2992634e-4]; // b d f h k
const J = [
  71.498068, 94.593053, 41.912053, 9.8247004, 0.28175407, -1.1878455, -0.18014349, 0.14710899, -0.017046845,
];

export function oracleL(j: number): number {
  const x = Math.log(j);
  const num = A[0]! + A[1]! * x + A[2]! * x ** 2 + A[3]! * x ** 3 + A[4]! * x ** 4;
  const den = 1 + B[0]! * x + B[1]! * x ** 2 + B[2]! * x ** 3 + B[3]! * x ** 4 + B[4]! * x ** 5;
  return 10 ** (num / den);
}
export function oracleJ(L: number): number {
  const y = Math.log10(L);
  return J.reduce((sum, c, i) => sum + c * y ** i, 0);
}

export interface Conditions {
  dmin: number;
  dmax: number;
  L0: number;
  La: number;
}

/** D(p) for p in 0..1 (PS3.14 Equation 7-5), clamped to [Dmin, Dmax]. */
export function oracleDensity(p: number, c: Conditions): number {
  const jmin = oracleJ(c.La + c.L0 * 10 ** -c.dmax);
  const jmax = oracleJ(c.La + c.L0 * 10 ** -c.dmin);
  const L = oracleL(jmin + p * (jmax - jmin));
  const D = -Math.log10((L - c.La) / c.L0);
  return Math.min(c.dmax, Math.max(c.dmin, D));
}

/** The density a step should print at: polarity, then LIN OD (linear in OD) or IDENTITY (GSDF). */
export function oracleStep(
  value: number,
  bits: number,
  o: { polarity: 'NORMAL' | 'REVERSE'; lut: 'IDENTITY' | 'LIN OD' },
  c: Conditions,
): number {
  const max = 2 ** bits - 1;
  const x = (o.polarity === 'REVERSE' ? max - value : value) / max;
  return o.lut === 'LIN OD' ? c.dmax - x * (c.dmax - c.dmin) : oracleDensity(x, c);
}
