import { describe, expect, it } from 'vitest';
import { densityLut } from '../../src/render/grayscale.js';
import { densityTable, jnd, luminance } from '../../src/render/gsdf.js';

describe('GSDF (PS3.14), against values computed from its Annex B formula', () => {
  it('sanity points', () => {
    expect(luminance(1)).toBeCloseTo(0.04998, 4);
    expect(luminance(1023)).toBeCloseTo(3993.3, 0);
    expect(jnd(0.05)).toBeCloseTo(1.03, 2);
    expect(jnd(4000)).toBeCloseTo(1023.16, 1);
  });

  it('transmissive film: L0 2000, La 10, D 0.20..3.00, 8-bit P', () => {
    const t = densityTable(256, 0.2, 3.0, { illumination: 2000, reflectedAmbient: 10 });
    const expected: [number, number][] = [
      [0, 2.9992],
      [32, 2.1039],
      [64, 1.6991],
      [128, 1.1224],
      [192, 0.6418],
      [255, 0.2001],
    ];
    for (const [p, D] of expected) expect(Math.abs(t[p]! - D), `p=${p}`).toBeLessThanOrEqual(0.002);
  });

  it('reflective media: L0 150, no ambient, D 0.10..2.10', () => {
    const t = densityTable(256, 0.1, 2.1, { illumination: 150, reflectedAmbient: 0 });
    const expected: [number, number][] = [
      [0, 2.1001],
      [32, 1.6672],
      [64, 1.3434],
      [128, 0.8465],
      [192, 0.4469],
      [255, 0.1],
    ];
    for (const [p, D] of expected) expect(Math.abs(t[p]! - D), `p=${p}`).toBeLessThanOrEqual(0.002);
  });
});

describe('grayscale box: stored value -> density', () => {
  const base = {
    bitsStored: 12,
    photometricInterpretation: 'MONOCHROME2',
    polarity: 'NORMAL',
    minDensity: 20,
    maxDensity: 300,
    viewing: { illumination: 2000, reflectedAmbient: 10 },
  };

  it('density never increases as the value (brightness) rises, and spans Max..Min Density', () => {
    const lut = densityLut(base);
    for (let v = 1; v < lut.length; v++) expect(lut[v]!).toBeLessThanOrEqual(lut[v - 1]!);
    expect(lut[0]).toBe(300);
    expect(lut[4095]).toBe(20);
  });

  it('REVERSE mirrors NORMAL; MONOCHROME1 is the inverse of MONOCHROME2', () => {
    const normal = densityLut(base);
    const reverse = densityLut({ ...base, polarity: 'REVERSE' });
    const mono1 = densityLut({ ...base, photometricInterpretation: 'MONOCHROME1' });
    for (let v = 0; v < 4096; v += 37) {
      expect(reverse[v]).toBe(normal[4095 - v]);
      expect(mono1[v]).toBe(normal[4095 - v]);
    }
    // Both inversions cancel.
    expect([
      ...densityLut({ ...base, polarity: 'REVERSE', photometricInterpretation: 'MONOCHROME1' }),
    ]).toEqual([...normal]);
  });

  it('LIN OD is linear in density from Dmax to Dmin', () => {
    const lut = densityLut({ ...base, bitsStored: 8, lut: { shape: 'LIN OD' } });
    expect(lut[0]).toBe(300);
    expect(lut[255]).toBe(20);
    expect(lut[128]).toBe(Math.round(300 - (128 / 255) * 280));
  });

  it('explicit LUT data maps through P-values', () => {
    // A LUT that sends everything to P = max: white, Min Density everywhere.
    const white = densityLut({
      ...base,
      bitsStored: 8,
      lut: { descriptor: [256, 0, 12], data: Array(256).fill(4095) },
    });
    expect(new Set(white)).toEqual(new Set([20]));
  });
});

describe('GSDF outside its luminance range', () => {
  it('dim viewing (L0 50, no ambient, Dmax 3.20): no NaN, monotonic, ends pinned', () => {
    const t = densityTable(4096, 0.2, 3.2, { illumination: 50, reflectedAmbient: 0 });
    expect(t.every((d) => Number.isFinite(d))).toBe(true);
    for (let p = 1; p < t.length; p++) expect(t[p]!).toBeLessThanOrEqual(t[p - 1]!);
    expect(t[0]).toBe(3.2);
    expect(t[4095]).toBe(0.2);
  });
  it('bright viewing (L0 20000): ends pinned to Dmin/Dmax', () => {
    const t = densityTable(256, 0.2, 3.2, { illumination: 20000, reflectedAmbient: 10 });
    expect(t[0]).toBe(3.2);
    expect(t[255]).toBe(0.2);
  });
});
