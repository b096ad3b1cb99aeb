/** A printer's measured curve in the density tables: on the GSDF it changes nothing; a drift carries to any range and to LIN OD. */
import { describe, expect, it } from 'vitest';
import { gsdfPValue, responseTable } from '../../src/render/characteristic.js';
import { densityLut } from '../../src/render/grayscale.js';
import { densityTable } from '../../src/render/gsdf.js';
import { oracleDensity } from '../support/gsdf-oracle.js';

const viewing = { illumination: 2000, reflectedAmbient: 10 };
const C = { dmin: 0.2, dmax: 3.0, L0: 2000, La: 10 };
const curveOf = (gamma: number) => ({
  points: Array.from({ length: 32 }, (_, i) => {
    const p = Math.round((255 * i) / 31) / 255;
    return { p, od: oracleDensity(p ** gamma, C) };
  }),
});
const box = {
  bitsStored: 8,
  photometricInterpretation: 'MONOCHROME2',
  polarity: 'NORMAL',
  minDensity: 20,
  maxDensity: 300,
  viewing,
};

describe('characteristic curve', () => {
  it('inverts the GSDF: P back from its density', () => {
    const t = densityTable(256, 0.2, 3, viewing);
    for (const p of [0, 17, 128, 200, 255])
      expect(gsdfPValue(t[p]!, 0.2, 3, viewing)).toBeCloseTo(p / 255, 2);
  });

  it('a curve on the GSDF prints as the GSDF does', () => {
    const plain = densityLut(box);
    const measured = densityLut({ ...box, curve: curveOf(1) });
    for (let v = 0; v < 256; v++) expect(Math.abs(measured[v]! - plain[v]!), `v=${v}`).toBeLessThanOrEqual(1);
  });

  it('a gamma drift carries to another density range and to LIN OD', () => {
    const resp = responseTable(curveOf(1.5), 256);
    expect(resp[128]).toBeCloseTo((128 / 255) ** 1.5, 2);
    // Another film's range: the P-value distortion, not the densities, is carried over.
    const other = { ...box, minDensity: 25, maxDensity: 250 };
    const t = densityTable(4096, 0.25, 2.5, viewing);
    const d = densityLut({ ...other, curve: curveOf(1.5) });
    expect(
      Math.abs(d[128]! - Math.round(t[Math.round((128 / 255) ** 1.5 * 4095)]! * 100)),
    ).toBeLessThanOrEqual(2);
    // LIN OD: the linear target reached through the drifted printer is darker in the mid-tones.
    const lin = densityLut({ ...box, lut: { shape: 'LIN OD' } });
    const linDrift = densityLut({ ...box, lut: { shape: 'LIN OD' }, curve: curveOf(1.5) });
    expect(lin[128]).toBe(Math.round((3 - (128 / 255) * 2.8) * 100));
    expect(linDrift[128]! - lin[128]!).toBeGreaterThan(10);
    expect(linDrift[0]).toBe(300);
    expect(linDrift[255]).toBe(20);
  });
});
