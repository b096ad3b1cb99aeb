/** Film diff statistics on small synthetic maps: every figure known in advance. */
import { describe, expect, it } from 'vitest';
import { differenceImage, diffMaps, regionStats } from '../../src/qa/diff.js';

const W = 20;
const H = 10;
const map = (f: (x: number, y: number) => number) =>
  Uint16Array.from({ length: W * H }, (_, i) => f(i % W, Math.floor(i / W)));

describe('regionStats', () => {
  it('mean, signed mean, p95, max and the share changed', () => {
    const golden = map(() => 100);
    // 10 of 200 pixels 50 hundredths denser, 10 others 5 lighter.
    const film = map((x, y) => (y === 0 && x < 10 ? 150 : y === 1 && x < 10 ? 95 : 100));
    const s = regionStats(film, golden, W, { x: 0, y: 0, width: W, height: H }, 0.01);
    expect(s.max).toBe(0.5);
    expect(s.changed).toBe(0.1);
    expect(s.mean).toBeCloseTo((10 * 0.5 + 10 * 0.05) / 200, 6);
    expect(s.meanSigned).toBeCloseTo((10 * 0.5 - 10 * 0.05) / 200, 6);
    // 95% of the pixels differ by at most 0.05 (the 10 at 0.50 are the top 5%).
    expect(s.p95).toBe(0.05);
    const row0 = regionStats(film, golden, W, { x: 0, y: 0, width: 10, height: 1 }, 0.01);
    expect(row0).toMatchObject({ mean: 0.5, p95: 0.5, max: 0.5, changed: 1 });
  });
});

describe('diffMaps', () => {
  const boxes = [
    { position: 1, box: { x: 0, y: 0, width: 10, height: 10 }, image: { x: 2, y: 2, width: 6, height: 6 } },
    { position: 2, box: { x: 10, y: 0, width: 10, height: 10 } },
  ];
  it('identical maps pass with zeros; a change in box 2 fails box 2 and the film, not box 1', () => {
    const golden = map((x) => x * 10);
    const same = diffMaps({
      film: 'a',
      against: 'b',
      unit: 'od',
      map: { width: W, height: H, values: golden },
      golden: { width: W, height: H, values: golden },
      boxes,
    });
    expect(same.pass).toBe(true);
    expect(same.boxes.map((b) => b.name)).toEqual(['box 1', 'box 1 image', 'box 2']);
    expect(same.whole).toMatchObject({ mean: 0, max: 0 });
    const film = map((x) => (x >= 10 ? x * 10 + 40 : x * 10));
    const d = diffMaps({
      film: 'a',
      against: 'b',
      unit: 'od',
      map: { width: W, height: H, values: film },
      golden: { width: W, height: H, values: golden },
      boxes,
    });
    expect(d.boxes.find((b) => b.name === 'box 2')).toMatchObject({ mean: 0.4, max: 0.4, pass: false });
    expect(d.boxes.find((b) => b.name === 'box 1')).toMatchObject({ mean: 0, pass: true });
    expect(d.pass).toBe(false);
    const loose = diffMaps({
      film: 'a',
      against: 'b',
      unit: 'od',
      thresholds: { mean: 1, p95: 1, max: 1 },
      map: { width: W, height: H, values: film },
      golden: { width: W, height: H, values: golden },
      boxes,
    });
    expect(loose.pass).toBe(true);
  });

  it('maps of different sizes are not comparable', () => {
    const a = map(() => 0);
    const d = diffMaps({
      film: 'a',
      against: 'b',
      unit: 'level',
      map: { width: W, height: H, values: a },
      golden: { width: H, height: W, values: a },
      boxes,
    });
    expect(d).toMatchObject({ comparable: false, pass: false });
    expect(d.reason).toMatch(/20x10 against 10x20/);
  });

  it('difference image: red denser, blue lighter, dim grey unchanged; levels read the other way', () => {
    const img = differenceImage(Uint16Array.of(110, 90, 100), Uint16Array.of(100, 100, 100), 3, 'od');
    expect([img[0], img[1], img[2]]).toEqual([60 + Math.round((10 / 25) * 195), 0, 0]);
    expect([img[3], img[4], img[5]]).toEqual([0, 0, 60 + Math.round((10 / 25) * 195)]);
    expect([img[6], img[7], img[8]]).toEqual([24, 24, 24]);
    // film.png: a higher level is lighter, so it is blue.
    const lv = differenceImage(Uint8Array.of(110), Uint8Array.of(100), 1, 'level');
    expect(lv[0]).toBe(0);
    expect(lv[2]).toBeGreaterThan(60);
  });
});
