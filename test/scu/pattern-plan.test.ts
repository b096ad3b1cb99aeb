/** A test pattern as a print session: the requests, in order, with what each carries. */
import { describe, expect, it } from 'vitest';
import { Tag } from '../../src/dicom/tags.js';
import { Uid } from '../../src/dicom/uids.js';
import { drawPattern } from '../../src/qa/patterns.js';
import { PATTERN_FILM_BOX, patternBoxes, planFromPattern } from '../../src/scu/pattern-plan.js';

describe('planFromPattern', () => {
  it('N-GET, Presentation LUT, Film Session, Film Box, one N-SET per box, N-ACTION, N-DELETE', () => {
    const image = drawPattern('gray18', { bits: 12, rows: 64, columns: 64 });
    const plan = planFromPattern(image, {
      displayFormat: 'ROW\\1,2',
      minDensity: 20,
      maxDensity: 300,
      illumination: 2000,
      polarity: 'REVERSE',
      presentationLut: 'LIN OD',
      copies: 2,
    });
    expect(plan.steps.map((s) => `${s.operation} ${s.sopClassUid}`)).toEqual([
      `N-GET ${Uid.Printer}`,
      `N-CREATE ${Uid.PresentationLut}`,
      `N-CREATE ${Uid.BasicFilmSession}`,
      `N-CREATE ${Uid.BasicFilmBox}`,
      `N-SET ${Uid.BasicGrayscaleImageBox}`,
      `N-SET ${Uid.BasicGrayscaleImageBox}`,
      `N-SET ${Uid.BasicGrayscaleImageBox}`,
      `N-ACTION ${Uid.BasicFilmBox}`,
      `N-DELETE ${Uid.BasicFilmSession}`,
    ]);
    const box = plan.steps[3]!.dataset!;
    expect(box[Tag.ImageDisplayFormat]?.Value).toEqual(['ROW\\1,2']);
    expect(box[Tag.MaxDensity]?.Value).toEqual([300]);
    expect(box[Tag.FilmSizeID]).toBeUndefined(); // not given: not sent
    expect(plan.steps[2]!.dataset![Tag.NumberOfCopies]?.Value).toEqual([2]);
    expect(plan.steps[7]!.instance).toBe(PATTERN_FILM_BOX);
    const set = plan.steps[6]!.dataset!;
    expect(set[Tag.ImageBoxPosition]?.Value).toEqual([3]);
    expect(set[Tag.Polarity]?.Value).toEqual(['REVERSE']);
    const item = (set[Tag.BasicGrayscaleImageSequence]!.Value as Record<string, { Value?: unknown[] }>[])[0]!;
    expect(item[Tag.BitsStored]?.Value).toEqual([12]);
    const pixels = item[Tag.PixelData]!.Value![0] as Uint8Array;
    expect(pixels.byteLength).toBe(64 * 64 * 2);
    // The first row is the darkest bar (0), the last the lightest (4095), little endian.
    expect([pixels[0], pixels[1]]).toEqual([0, 0]);
    expect([pixels.at(-2), pixels.at(-1)]).toEqual([0xff, 0x0f]);
  });

  it('counts boxes of formats the printer does not define, and refuses the others', () => {
    expect(patternBoxes('STANDARD\\3,4')).toBe(12);
    expect(patternBoxes('COL\\2,3,1')).toBe(6);
    for (const f of ['SLIDE', 'CUSTOM\\1', 'STANDARD\\2', 'STANDARD\\0,1', 'STANDARD\\10,10', 'ROW\\'])
      expect(() => patternBoxes(f), f).toThrow(/display format/);
  });
});
