/**
 * QA protocols: the tolerances a density report judges a film by. PS3.14 D.2 gives the method
 * (print steps, measure, compare with the GSDF target, in JNDs) but no limits; the mammography
 * profile takes the limits dry-laser mammography QC programmes use (e.g. the DryPro QC manual:
 * +/-0.03 OD at Dmin, +/-0.10 to 0.15 on the mid steps, +/-0.20 at Dmax). A user's own tolerance
 * (one figure for every step) replaces a protocol's bands.
 */

export interface ToleranceBand {
  /** Steps whose target is at most this density (OD) use `od`. */
  upToOd: number;
  od: number;
}

export interface QaProtocol {
  name: string;
  title: string;
  source: string;
  /** Tolerance (OD) of a step whose target is the film's Min Density, and of one at Max Density. */
  atDmin: number;
  atDmax: number;
  /** Other steps, by target density; the last band covers everything above. */
  bands: ToleranceBand[];
  /** Largest spread (OD) of one level across a film: within a uniformity field, and across frame positions. */
  uniformityOd: number;
}

export const PROTOCOLS = {
  'ps3.14-d2': {
    name: 'ps3.14-d2',
    title: 'PS3.14 D.2 gray-step conformance (Lightbox limits)',
    source:
      'PS3.14 Annex D.2 method; the standard sets no limit, so Lightbox uses +/-0.05 OD per step and 0.10 OD uniformity',
    atDmin: 0.05,
    atDmax: 0.05,
    bands: [{ upToOd: Number.POSITIVE_INFINITY, od: 0.05 }],
    uniformityOd: 0.1,
  },
  'mammo-qc': {
    name: 'mammo-qc',
    title: 'Mammography dry laser QC',
    source:
      'dry-laser mammography QC practice (e.g. the DryPro QC programme): +/-0.03 OD at Dmin, +/-0.10 up to 2.0 OD, +/-0.15 above, +/-0.20 at Dmax',
    atDmin: 0.03,
    atDmax: 0.2,
    bands: [
      { upToOd: 2.0, od: 0.1 },
      { upToOd: Number.POSITIVE_INFINITY, od: 0.15 },
    ],
    uniformityOd: 0.1,
  },
} as const satisfies Record<string, QaProtocol>;

export type ProtocolName = keyof typeof PROTOCOLS;
export const PROTOCOL_NAMES = Object.keys(PROTOCOLS) as ProtocolName[];

/** Densities this close to Dmin or Dmax (OD) are "at" them. */
const AT_END = 0.005;

/** The tolerance (OD) of one step, its target and the box's density range given. */
export function stepTolerance(p: QaProtocol, target: number, dmin: number, dmax: number): number {
  if (Math.abs(target - dmin) <= AT_END) return p.atDmin;
  if (Math.abs(target - dmax) <= AT_END) return p.atDmax;
  return (p.bands.find((b) => target <= b.upToOd) ?? p.bands[p.bands.length - 1]!).od;
}

/** A protocol with the user's own limits in place of its bands. */
export function withOwnLimits(
  p: QaProtocol,
  own: { toleranceOd?: number; uniformityOd?: number },
): QaProtocol {
  if (own.toleranceOd === undefined && own.uniformityOd === undefined) return p;
  const t = own.toleranceOd;
  return {
    ...p,
    name: `${p.name}+own`,
    title: `${p.title}, user limits`,
    source: `${p.source}; user limits:${t !== undefined ? ` +/-${t} OD per step` : ''}${own.uniformityOd !== undefined ? ` ${own.uniformityOd} OD uniformity` : ''}`,
    ...(t !== undefined
      ? { atDmin: t, atDmax: t, bands: [{ upToOd: Number.POSITIVE_INFINITY, od: t }] }
      : {}),
    ...(own.uniformityOd !== undefined ? { uniformityOd: own.uniformityOd } : {}),
  };
}
