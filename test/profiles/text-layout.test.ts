/** Where a film's annotations and stamp print, and the image area they leave (profiles/text-layout.ts). */
import { describe, expect, it } from 'vitest';
import { lineHeight, type TextInput, type TextRect, textLayout } from '../../src/profiles/text-layout.js';

const OFF = { filmSessionLabel: false, printer: false };
/** 14INX17IN at 320 dpi. */
const W = 4480;
const H = 5440;

const inside = (r: TextRect, o: TextRect) =>
  r.x >= o.x && r.y >= o.y && r.x + r.width <= o.x + o.width && r.y + r.height <= o.y + o.height;
const overlaps = (a: TextRect, b: TextRect) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('text layout', () => {
  it('no annotation box and no stamp: no band, the images keep the whole film', () => {
    const t = textLayout({ area: 'band', annotationCount: 0, stamp: OFF }, W, H);
    expect(t.images).toEqual({ x: 0, y: 0, width: W, height: H });
    expect(t.bands).toEqual({ top: 0, bottom: 0 });
    expect(t.annotations).toEqual([]);
  });

  it('band: two bottom annotations take one line plus a margin each side; the images shrink by it', () => {
    const t = textLayout(
      { area: 'band', annotationCount: 2, places: ['bottom-left', 'bottom-right'], stamp: OFF },
      W,
      H,
    );
    const line = lineHeight(H);
    const margin = Math.round(line / 2);
    expect(t.bands).toEqual({ top: 0, bottom: margin + line + margin });
    expect(t.images).toEqual({ x: 0, y: 0, width: W, height: H - t.bands.bottom });
    const [one, two] = t.annotations;
    expect(one).toMatchObject({ place: 'bottom-left', align: 'left' });
    expect(two).toMatchObject({ place: 'bottom-right', align: 'right' });
    for (const a of t.annotations) {
      // Off the film edge by the margin, off the images by the margin, inside the film.
      expect(a.rect.y + a.rect.height).toBe(H - margin);
      expect(a.rect.y).toBe(t.images.y + t.images.height + margin);
      expect(inside(a.rect, { x: 0, y: 0, width: W, height: H })).toBe(true);
      expect(overlaps(a.rect, t.images)).toBe(false);
    }
    expect(one!.rect.x).toBe(margin);
    expect(two!.rect.x + two!.rect.width).toBeLessThanOrEqual(W - margin);
  });

  it('band: the stamp at the top and annotations at the bottom make two bands; lines at one place stack', () => {
    const input: TextInput = {
      area: 'band',
      annotationCount: 2,
      places: ['bottom-center', 'bottom-center'],
      stamp: { filmSessionLabel: true, printer: true },
    };
    const t = textLayout(input, W, H);
    const line = lineHeight(H);
    const margin = Math.round(line / 2);
    expect(t.bands).toEqual({ top: 2 * margin + line, bottom: 2 * margin + 2 * line });
    expect(t.label!.rect.y).toBe(margin);
    expect(t.printer!.rect.y).toBe(margin);
    expect(t.annotations[0]!.rect.y).toBe(H - margin - line);
    expect(t.annotations[1]!.rect.y).toBe(H - margin - 2 * line); // one line further in
    const slots = [t.label!, t.printer!, ...t.annotations].map((s) => s.rect);
    for (const [i, a] of slots.entries()) {
      expect(overlaps(a, t.images)).toBe(false);
      for (const b of slots.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
    }
  });

  it('positions the layout does not place share one more bottom line, a cell each, left to right', () => {
    const t = textLayout({ area: 'band', annotationCount: 3, places: ['top-left'], stamp: OFF }, W, H);
    const [first, second, third] = t.annotations;
    expect(first!.place).toBe('top-left');
    expect(second!.place).toBeUndefined();
    expect(second!.rect.y).toBe(third!.rect.y);
    expect(second!.rect.x + second!.rect.width).toBeLessThanOrEqual(third!.rect.x);
    expect(t.bands.top).toBeGreaterThan(0);
    expect(t.bands.bottom).toBeGreaterThan(0);
  });

  it('overlay: the same slots, but the images keep the whole film', () => {
    const input: TextInput = {
      area: 'overlay',
      annotationCount: 2,
      places: ['bottom-left', 'top-right'],
      stamp: OFF,
    };
    const t = textLayout(input, W, H);
    expect(t.images).toEqual({ x: 0, y: 0, width: W, height: H });
    expect(t.bands).toEqual({ top: 0, bottom: 0 });
    expect(t.annotations.map((a) => a.rect)).toEqual(
      textLayout({ ...input, area: 'band' }, W, H).annotations.map((a) => a.rect),
    );
  });

  it('text never takes more than a quarter of the film, even with 20 lines at one place', () => {
    const t = textLayout(
      { area: 'band', annotationCount: 20, places: Array(20).fill('bottom-left'), stamp: OFF },
      200,
      250,
    );
    expect(t.bands.bottom).toBeLessThanOrEqual(250 / 4 + 1);
    expect(t.images.height).toBeGreaterThanOrEqual(250 * 0.75 - 1);
    for (const a of t.annotations) expect(a.rect.height).toBeGreaterThanOrEqual(1);
  });
});
