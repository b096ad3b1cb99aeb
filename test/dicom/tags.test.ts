/** The tag dictionary: PS3.6 keywords, and the only place in src/ where a tag is written out. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { describe, expect, it } from 'vitest';
import { keywordOf, tagOf } from '../../src/dicom/dimse/dataset.js';
import { namedTag, Tag } from '../../src/dicom/tags.js';
import { filesUnder } from '../support/files.js';

const dictionary = (
  dcmjs as { data: { DicomMetaDictionary: { dictionary: Record<string, { name: string } | undefined> } } }
).data.DicomMetaDictionary.dictionary;
const TAG_LITERAL = /'[0-9A-Fa-f]{8}'/;

describe('Tag', () => {
  it.each(Object.entries(Tag))('%s is (%s) in the PS3.6 dictionary', (keyword, tag) => {
    expect(tag).toMatch(/^[0-9A-F]{8}$/);
    const entry = dictionary[`(${tag.slice(0, 4)},${tag.slice(4)})`];
    // (2100,0500) is retired in PS3.6 under its Pull Stored Print name; Print Management still uses it.
    const name =
      keyword === 'ReferencedPrintJobSequence'
        ? 'RETIRED_ReferencedPrintJobSequencePullStoredPrint'
        : keyword;
    expect(entry?.name).toBe(name);
  });

  it('names each tag once, and looks up both ways', () => {
    expect(new Set(Object.values(Tag)).size).toBe(Object.keys(Tag).length);
    expect(namedTag(Tag.MaxDensity)).toBe('MaxDensity');
    expect(keywordOf(Tag.ReferencedPrintJobSequence)).toBe('ReferencedPrintJobSequence');
    expect(tagOf('ReferencedPrintJobSequence')).toBe('21000500');
    expect(keywordOf('00100021')).toBe('IssuerOfPatientID');
    expect(namedTag('00100021')).toBeUndefined();
  });
});

describe('src/', () => {
  it('writes no tag as a literal outside src/dicom/tags.ts', () => {
    const found = filesUnder('src', /\.ts$/)
      .filter((f) => !f.endsWith(join('dicom', 'tags.ts')))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `${f}:${i + 1}`, line }))
          .filter(({ line }) => TAG_LITERAL.test(line) && !line.includes('not a tag')),
      )
      .map(({ where, line }) => `${where} ${line.trim()}`);
    expect(found).toEqual([]);
  });

  it('the check sees a literal (the check itself)', () => {
    expect(TAG_LITERAL.test(`const t = '20100130';`)).toBe(true);
    expect(TAG_LITERAL.test('const t = Tag.MaxDensity;')).toBe(false);
  });
});
