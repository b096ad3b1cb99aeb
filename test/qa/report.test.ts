/**
 * The density report's own logic on synthetic films (no rendering): a density map painted with
 * known densities per patch, so each residual, JND figure and verdict is known in advance.
 */
import { describe, expect, it } from 'vitest';
import { drawPattern, type PatternName } from '../../src/qa/patterns.js';
import { PROTOCOLS, type QaProtocol, stepTolerance, withOwnLimits } from '../../src/qa/protocols.js';
import { matchScore, recognise } from '../../src/qa/recognise.js';
import { densityReport, type QaBox } from '../../src/qa/report.js';
import { gsdfDensity, jndOfDensity, targetFor } from '../../src/qa/targets.js';

const viewing = { illumination: 2000, reflectedAmbient: 10 };

/**
 * A box printed 2x magnified whose density map holds each pixel's target (plus `error(value)`
 * OD), as a perfect printer with that error would print it.
 */
function box(
  name: PatternName,
  o: {
    position?: number;
    bits?: 8 | 12;
    mono1?: boolean;
    polarity?: string;
    error?: (v: number) => number;
  } = {},
): QaBox {
  const bits = o.bits ?? 12;
  const p = drawPattern(name, { bits, rows: 200, columns: 160 });
  const max = 2 ** bits - 1;
  const pixels = o.mono1 ? p.pixels.map((v) => max - v) : p.pixels;
  const input = {
    bitsStored: bits,
    photometricInterpretation: o.mono1 ? 'MONOCHROME1' : 'MONOCHROME2',
    polarity: o.polarity ?? 'NORMAL',
    dmin: 0.2,
    dmax: 3.0,
    viewing,
  };
  const density = new Uint16Array(320 * 400);
  for (let y = 0; y < 400; y++)
    for (let x = 0; x < 320; x++) {
      const v = pixels[Math.floor(y / 2) * 160 + Math.floor(x / 2)]!;
      density[y * 320 + x] = Math.round((targetFor(v, input).target + (o.error?.(v) ?? 0)) * 100);
    }
  return {
    position: o.position ?? 1,
    image: {
      rows: 200,
      columns: 160,
      bitsStored: bits,
      photometricInterpretation: input.photometricInterpretation,
      pixels,
    },
    polarity: input.polarity,
    minDensity: 20,
    maxDensity: 300,
    placed: { x: 100, y: 50, width: 320, height: 400 },
    density,
  };
}

const report = (boxes: QaBox[], protocol: QaProtocol = PROTOCOLS['ps3.14-d2']) =>
  densityReport({ film: 'F', viewing, boxes, protocol });

describe('targets', () => {
  it('follow the GSDF between Dmin and Dmax, and LIN OD linearly', () => {
    expect(gsdfDensity(0, 0.2, 3, viewing)).toBeCloseTo(2.9992, 3);
    expect(gsdfDensity(128 / 255, 0.2, 3, viewing)).toBeCloseTo(1.1224, 3);
    const lin = {
      bitsStored: 8,
      photometricInterpretation: 'MONOCHROME2',
      polarity: 'NORMAL',
      dmin: 0.2,
      dmax: 3,
      viewing,
      lut: { shape: 'LIN OD' },
    };
    expect(targetFor(0, lin).target).toBeCloseTo(3, 9);
    expect(targetFor(255, lin).target).toBeCloseTo(0.2, 9);
    expect(targetFor(51, lin).target).toBeCloseTo(3 - 0.2 * 2.8, 9);
  });

  it('pass a LUT data Presentation LUT before the GSDF', () => {
    // A LUT that maps every input to P = 1/2.
    const lut = { descriptor: [256, 0, 12], data: new Array(256).fill(2048) };
    const t = targetFor(10, {
      bitsStored: 8,
      photometricInterpretation: 'MONOCHROME2',
      polarity: 'NORMAL',
      dmin: 0.2,
      dmax: 3,
      viewing,
      lut,
    });
    expect(t.pValue).toBeCloseTo(2048 / 4095, 9);
    expect(t.target).toBeCloseTo(gsdfDensity(2048 / 4095, 0.2, 3, viewing), 9);
  });
});

describe('recognition', () => {
  it('finds each pattern from its pixels, inverted MONOCHROME1 too, and nothing in a ramp', () => {
    for (const name of ['gray32', 'gray18', 'smpte', 'tg18-qc', 'tg18-unl10', 'tg18-unl80'] as const) {
      const b = box(name, { mono1: name === 'smpte' });
      expect(recognise(b.image)?.name).toBe(name);
    }
    const ramp = new Uint16Array(200 * 160).map((_, i) => i % 4096);
    expect(
      recognise({
        rows: 200,
        columns: 160,
        bitsStored: 12,
        photometricInterpretation: 'MONOCHROME2',
        pixels: ramp,
      }),
    ).toBeUndefined();
    // 8-bit values sent as 12 bits by shifting (DCMTK: 255 -> 4080) still match.
    const p8 = drawPattern('gray32', { bits: 8, rows: 200, columns: 160 });
    expect(
      matchScore('gray32', {
        rows: 200,
        columns: 160,
        bitsStored: 12,
        photometricInterpretation: 'MONOCHROME2',
        pixels: p8.pixels.map((v) => v * 16),
      }),
    ).toBeGreaterThan(0.98);
  });
});

describe('densityReport', () => {
  it("a perfect print: residuals within the map's hundredths, every step passing, JND per step", () => {
    const r = report([box('gray32')]);
    const b = r.boxes[0]!;
    expect(b.steps).toHaveLength(32);
    expect(b.maxAbsResidual).toBeLessThanOrEqual(0.005);
    expect(b.pass).toBe(true);
    expect(r.pass).toBe(true);
    for (const s of b.steps) {
      expect(s.jndTarget).toBeCloseTo(jndOfDensity(s.target, viewing), 1);
      expect(s.jndError).toBeCloseTo(s.jndMeasured - s.jndTarget, 3);
      expect(Math.abs(s.jndError)).toBeLessThan(3);
    }
    expect(b.intervals).toHaveLength(31);
  });

  it('a print 0.08 OD too dark in the mid-tones fails those steps by PS3.14 D.2 limits, passes mammo-qc mid-steps', () => {
    const err = (v: number) => (v > 1000 && v < 3000 ? 0.08 : 0);
    const r = report([box('gray32', { error: err })]);
    const b = r.boxes[0]!;
    const bad = b.steps.filter((s) => !s.pass);
    expect(bad.length).toBeGreaterThan(10);
    for (const s of bad) {
      expect(s.residual).toBeCloseTo(0.08, 2);
      // Darker than the target: fewer JNDs (less luminance).
      expect(s.jndError).toBeLessThan(0);
    }
    expect(r.pass).toBe(false);
    const m = report([box('gray32', { error: err })], PROTOCOLS['mammo-qc']);
    expect(m.boxes[0]!.steps.filter((s) => !s.pass)).toEqual([]);
  });

  it('MONOCHROME1 and REVERSE are followed to their targets', () => {
    const plain = report([box('gray18')]).boxes[0]!;
    // The pattern sent inverted as MONOCHROME1 prints as the plain pattern does.
    const mono1 = report([box('gray18', { mono1: true })]).boxes[0]!;
    expect(mono1.steps.map((s) => s.target)).toEqual(plain.steps.map((s) => s.target));
    // REVERSE prints the negative: step i at the density of step 19 - i.
    const rev = report([box('gray18', { polarity: 'REVERSE' })]).boxes[0]!;
    expect(rev.steps.map((s) => s.target)).toEqual(plain.steps.map((s) => s.target).reverse());
    for (const b of [plain, mono1, rev]) expect(b.pass).toBe(true);
  });

  it('uniformity: a field whose corner is 0.15 OD darker fails the 0.10 OD limit', () => {
    const b = box('tg18-unl80');
    // Darken the top-left region of the map.
    for (let y = 0; y < 130; y++) for (let x = 0; x < 100; x++) b.density[y * 320 + x]! += 15;
    const r = report([b]);
    const u = r.boxes[0]!.uniformity!;
    expect(u.spread).toBeCloseTo(0.15, 2);
    expect(u.pass).toBe(false);
    expect(r.pass).toBe(false);
    expect(report([box('tg18-unl80')]).boxes[0]!.uniformity!.pass).toBe(true);
  });

  it('frame positions: the same step at four positions, one 0.12 OD off, fails across positions', () => {
    const boxes = [1, 2, 3, 4].map((position) =>
      box('gray18', { position, error: position === 3 ? () => 0.12 : undefined }),
    );
    const r = report(boxes);
    expect(r.positions).toHaveLength(18);
    expect(r.positions.every((p) => p.positions.join() === '1,2,3,4')).toBe(true);
    expect(r.positions.some((p) => !p.pass && p.spread > 0.1)).toBe(true);
    expect(r.pass).toBe(false);
  });

  it('skips what it cannot measure, saying why', () => {
    const cropped = { ...box('gray32', { position: 2 }), fit: 'cropped' };
    const r = report([box('gray32'), cropped]);
    expect(r.boxes.map((b) => b.position)).toEqual([1]);
    expect(r.skipped).toEqual([{ position: 2, reason: expect.stringMatching(/cropped/) }]);
  });
});

describe('protocols', () => {
  it('band tolerances by target, ends at Dmin and Dmax, user limits replace the bands', () => {
    const m = PROTOCOLS['mammo-qc'];
    expect(stepTolerance(m, 0.2, 0.2, 3)).toBe(0.03);
    expect(stepTolerance(m, 3.0, 0.2, 3)).toBe(0.2);
    expect(stepTolerance(m, 1.2, 0.2, 3)).toBe(0.1);
    expect(stepTolerance(m, 2.5, 0.2, 3)).toBe(0.15);
    const own = withOwnLimits(m, { toleranceOd: 0.02, uniformityOd: 0.05 });
    expect(stepTolerance(own, 0.2, 0.2, 3)).toBe(0.02);
    expect(stepTolerance(own, 2.5, 0.2, 3)).toBe(0.02);
    expect(own.uniformityOd).toBe(0.05);
    expect(withOwnLimits(m, {})).toBe(m);
  });
});
