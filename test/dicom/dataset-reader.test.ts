import { describe, expect, it } from 'vitest';
import { DatasetError, decodeDataset, encodeDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';

const hex = (s: string) => Buffer.from(s.replace(/--[^\n]*/g, '').replace(/\s+/g, ''), 'hex');
const E = Uid.ExplicitVrLittleEndian;
const I = Uid.ImplicitVrLittleEndian;

describe('data set reader', () => {
  it('reads what dcmjs writes (undefined-length sequences and items), both syntaxes', () => {
    const pixels = new Uint8Array(64 * 48 * 2).map((_, i) => i & 0xff);
    const ds = {
      '20200010': { vr: 'US', Value: [3] },
      '20200020': { vr: 'CS', Value: ['REVERSE'] },
      '20200030': { vr: 'DS', Value: [120.5] },
      '20100150': { vr: 'ST', Value: ['A\\B'] },
      '20200110': {
        vr: 'SQ',
        Value: [
          {
            '00280004': { vr: 'CS', Value: ['MONOCHROME2'] },
            '00280010': { vr: 'US', Value: [48] },
            '00280011': { vr: 'US', Value: [64] },
            '00280034': { vr: 'IS', Value: [1, 2] },
            '7FE00010': { vr: 'OW', Value: [pixels.buffer] },
          },
        ],
      },
    };
    for (const ts of [E, I]) {
      const bytes = encodeDataset(ds, ts);
      const back = decodeDataset(bytes, ts);
      expect(back['20200010']!.Value).toEqual([3]);
      expect(back['20200020']!.Value).toEqual(['REVERSE']);
      expect(back['20200030']!.Value).toEqual([120.5]);
      expect(back['20100150']!.Value).toEqual(['A\\B']); // ST keeps its backslash
      const item = (back['20200110']!.Value as Record<string, { Value?: unknown[] }>[])[0]!;
      expect(item['00280034']!.Value).toEqual([1, 2]);
      const px = item['7FE00010']!.Value![0] as Uint8Array;
      expect(Buffer.from(px).equals(Buffer.from(pixels))).toBe(true);
      // Zero copy: the pixel data is a view into the received bytes.
      expect(px.buffer).toBe(bytes.buffer);
    }
  });

  it('reads defined-length sequences and items as DCMTK sends them (explicit VR)', () => {
    const b = hex(`
      2020 1000 5553 0200 0100                          -- (2020,0010) US 1
      2020 1001 5351 0000 20000000                      -- (2020,0110) SQ, 32 bytes
        feff 00e0 18000000                              --   item, 24 bytes
          2800 1000 5553 0200 0200                      --     (0028,0010) US 2
          e07f 1000 4f57 0000 02000000 abcd             --     (7FE0,0010) OW 2 bytes
    `);
    const ds = decodeDataset(b, E);
    const item = (ds['20200110']!.Value as Record<string, { Value?: unknown[] }>[])[0]!;
    expect(item['00280010']!.Value).toEqual([2]);
    expect(Buffer.from(item['7FE00010']!.Value![0] as Uint8Array).toString('hex')).toBe('abcd');
  });

  it.each([
    ['a value running past the end', '2020 1000 5553 0400 0100', E],
    ['an unknown explicit VR', '2020 1000 5a5a 0200 0100', E],
    ['an item longer than its sequence', '2020 1001 5351 0000 08000000 feff00e0 10000000', E],
    ['an undefined-length sequence without delimiter', '2020 1001 5351 0000 ffffffff feff00e0 00000000', E],
    ['an undefined-length item without delimiter', '2020 1001 5351 0000 ffffffff feff00e0 ffffffff', E],
    ['encapsulated (undefined-length) pixel data', 'e07f 1000 4f42 0000 ffffffff', E],
    ['a truncated header', '2020 10', I],
    ['a US of odd length', '2020 1000 03000000 010203', I],
    ['something other than an item in a sequence', '2020 1001 5351 0000 08000000 2800 1000 0000 0000', E],
  ])('refuses %s', (_what, bytes, ts) => {
    expect(() => decodeDataset(hex(bytes), ts)).toThrow(DatasetError);
  });

  it('refuses sequences nested deeper than 16 levels', () => {
    let inner = Buffer.alloc(0);
    for (let i = 0; i < 20; i++) {
      const item = Buffer.concat([
        hex('feff00e0'),
        Buffer.from(new Uint32Array([inner.length]).buffer),
        inner,
      ]);
      inner = Buffer.concat([
        hex('2020 1001 5351 0000'),
        Buffer.from(new Uint32Array([item.length]).buffer),
        item,
      ]);
    }
    expect(() => decodeDataset(inner, E)).toThrow(/nested too deep/);
  });

  it('implicit VR: unknown (private) tags are UN bytes; group lengths UL', () => {
    const b = hex('0900 1000 02000000 abcd   2020 0000 04000000 10000000');
    const ds = decodeDataset(b, I);
    expect(ds['00090010']!.vr).toBe('UN');
    expect(ds['20200000']!.Value).toEqual([16]);
  });
});
