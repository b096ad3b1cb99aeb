import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { binaryLength, ChunkedBytes, joined } from '../../src/dicom/chunked-bytes.js';
import {
  DatasetError,
  type DcmDataset,
  datasetStream,
  decodeDataset,
  encodeDataset,
  naturalize,
  placeSpilled,
  recordDataset,
} from '../../src/dicom/dimse/dataset.js';
import type { DatasetStream } from '../../src/dicom/dimse/dataset-stream.js';
import { SpilledValue, type ValueSink } from '../../src/dicom/spilled-value.js';
import { Tag } from '../../src/dicom/tags.js';
import { Uid } from '../../src/dicom/uids.js';

const hex = (s: string) => Buffer.from(s.replace(/--[^\n]*/g, '').replace(/\s+/g, ''), 'hex');
const E = Uid.ExplicitVrLittleEndian;
const I = Uid.ImplicitVrLittleEndian;

/** A sink that records what it was given, and how it ended. */
class Recorder implements ValueSink {
  parts: Buffer[] = [];
  ended = false;
  aborted = false;
  constructor(readonly length: number) {}
  write(part: Buffer): void {
    if (this.ended) throw new Error('write after end');
    this.parts.push(Buffer.from(part));
  }
  end(): void {
    this.ended = true;
  }
  abort(): void {
    this.aborted = true;
  }
  get bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function stream(ts: string, minLength = 1): { s: DatasetStream; sinks: Recorder[] } {
  const sinks: Recorder[] = [];
  const s = datasetStream(ts, {
    minLength,
    open: (length) => {
      const r = new Recorder(length);
      sinks.push(r);
      return r;
    },
  })!;
  return { s, sinks };
}

/** Cut bytes at the given offsets; each piece is pushed on its own (a PDV, or a TCP chunk). */
function pieces(b: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, b.length]) {
    out.push(b.subarray(at, c));
    at = c;
  }
  return out;
}

const pixels = Buffer.from(new Uint8Array(64 * 48 * 2).map((_, i) => (i * 7) & 0xff));

/** An image box N-SET data set, with a second sequence around to check that nothing else moves. */
function imageBoxSet(): DcmDataset {
  return {
    [Tag.ImageBoxPosition]: { vr: 'US', Value: [1] },
    [Tag.Polarity]: { vr: 'CS', Value: ['NORMAL'] },
    [Tag.BasicGrayscaleImageSequence]: {
      vr: 'SQ',
      Value: [
        {
          [Tag.SamplesPerPixel]: { vr: 'US', Value: [1] },
          [Tag.PhotometricInterpretation]: { vr: 'CS', Value: ['MONOCHROME2'] },
          [Tag.Rows]: { vr: 'US', Value: [48] },
          [Tag.Columns]: { vr: 'US', Value: [64] },
          [Tag.PixelData]: {
            vr: 'OW',
            Value: [pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.length)],
          },
        },
      ],
    },
    [Tag.ReferencedPresentationLUTSequence]: {
      vr: 'SQ',
      Value: [{ [Tag.ReferencedSOPInstanceUID]: { vr: 'UI', Value: ['1.2.3'] } }],
    },
  };
}

/** The same data set as DCMTK sends it: defined-length sequences and items (explicit VR). */
const DEFINED = hex(`
  2020 1000 5553 0200 0100                          -- (2020,0010) US 1
  2020 1001 5351 0000 2c000000                      -- (2020,0110) SQ, 44 bytes
    feff 00e0 24000000                              --   item, 36 bytes
      2800 1000 5553 0200 0200                      --     (0028,0010) US 2
      e07f 1000 4f57 0000 04000000 abcdef01         --     (7FE0,0010) OW 4 bytes
      2800 1100 5553 0200 0200                      --     (0028,0011) US 2 (after the pixels)
  2020 2000 4353 0600 4e4f524d414c                  -- (2020,0020) CS NORMAL
`);

/** What a decoded data set says, binary values as their bytes in hex. */
function plain(ds: DcmDataset): unknown {
  return JSON.parse(
    JSON.stringify(ds, (_k, v) => {
      if (v instanceof SpilledValue) return `spilled:${v.length}`;
      if (v instanceof ChunkedBytes) return v.toBuffer().toString('hex');
      if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
      if (v instanceof ArrayBuffer) return Buffer.from(v).toString('hex');
      return v;
    }),
  );
}

/** Stream `bytes` in the given pieces; the decoded result with the spilled value put back. */
function run(bytes: Buffer, ts: string, cuts: number[], minLength = 1) {
  const { s, sinks } = stream(ts, minLength);
  let held = 0;
  for (const p of pieces(bytes, cuts)) held += s.push(p);
  const r = s.finish();
  expect(held).toBe(r.held.length);
  const ds = decodeDataset(r.held, ts);
  if (r.diverted)
    expect(
      placeSpilled(
        ds,
        r.diverted.path,
        new SpilledValue(r.diverted.length, r.diverted.sink, r.diverted.digest),
      ),
    ).toBe(true);
  return { ds, r, sinks };
}

/** The original decoded, its Pixel Data replaced as a stream would. */
function expected(bytes: Buffer, ts: string, length: number): unknown {
  const ds = plain(decodeDataset(bytes, ts)) as Record<
    string,
    { Value: Record<string, { Value: unknown[] }>[] }
  >;
  const seq = ds[Tag.BasicGrayscaleImageSequence];
  if (seq) seq.Value[0]![Tag.PixelData]!.Value = [`spilled:${length}`];
  return ds;
}

/** SHA-256 of the test image's pixels, computed here in one go. */
const PIXELS_SHA256 = createHash('sha256').update(pixels).digest('hex');

describe('data set stream (pixel data to a sink while it arrives)', () => {
  it.each([
    ['explicit VR, undefined-length sequences (dcmjs)', E],
    ['implicit VR, undefined-length sequences (dcmjs)', I],
  ])('%s: every cut position gives the same data set and the pixels byte for byte', (_n, ts) => {
    const bytes = encodeDataset(imageBoxSet(), ts);
    const want = expected(bytes, ts, pixels.length);
    // One cut anywhere (inside headers, lengths, the value), then every byte on its own.
    const cuts: number[][] = [[]];
    for (let c = 1; c < bytes.length; c += c < 200 || c > bytes.length - 200 ? 1 : 97) cuts.push([c]);
    cuts.push(Array.from({ length: bytes.length - 1 }, (_, k) => k + 1));
    for (const cut of cuts) {
      const { ds, r, sinks } = run(bytes, ts, cut);
      expect(plain(ds)).toEqual(want);
      expect(sinks).toHaveLength(1);
      expect(sinks[0]!.ended && !sinks[0]!.aborted).toBe(true);
      expect(sinks[0]!.bytes.equals(pixels)).toBe(true);
      expect(r.diverted!.path).toEqual([Tag.BasicGrayscaleImageSequence, 0, Tag.PixelData]);
      expect(r.diverted!.digest.hex).toBe(PIXELS_SHA256);
      expect(r.held.length).toBe(bytes.length - pixels.length);
    }
  });

  it('defined-length sequences and items (DCMTK): their lengths shrink by the value, at any cut', () => {
    for (let c = 0; c <= DEFINED.length; c++) {
      const cuts = c === 0 || c === DEFINED.length ? [] : [c];
      const { ds, r, sinks } = run(DEFINED, E, cuts);
      const item = (ds[Tag.BasicGrayscaleImageSequence]!.Value as DcmDataset[])[0]!;
      expect(item[Tag.Rows]!.Value).toEqual([2]);
      expect(item[Tag.Columns]!.Value).toEqual([2]); // read after the diverted value
      expect(ds[Tag.Polarity]!.Value).toEqual(['NORMAL']);
      expect(sinks[0]!.bytes.toString('hex')).toBe('abcdef01');
      // Sequence 44 -> 40, item 36 -> 32, pixel data 4 -> 0.
      const held = joined(r.held);
      expect(held.readUInt32LE(18)).toBe(40);
      expect(held.readUInt32LE(26)).toBe(32);
      expect(held.readUInt32LE(48)).toBe(0);
    }
  });

  it('a data set holding a spilled value is recorded and naturalized with its size (records, --dump-messages)', () => {
    const { ds } = run(encodeDataset(imageBoxSet(), E), E, [10]);
    const item = recordDataset(ds).find((a) => a.tag === Tag.BasicGrayscaleImageSequence)!.items![0]!;
    // With the digest the stream took: two images of one size are told apart, neither kept.
    expect(item.find((a) => a.tag === Tag.PixelData)!.value).toEqual([
      { bytes: pixels.length, sha256: PIXELS_SHA256 },
    ]);
    const natural = naturalize(ds) as { BasicGrayscaleImageSequence: { PixelData: unknown }[] };
    expect(binaryLength(natural.BasicGrayscaleImageSequence[0]!.PixelData)).toBe(pixels.length);
  });

  it('takes ChunkedBytes pushes as the assembler delivers them', () => {
    const bytes = encodeDataset(imageBoxSet(), E);
    const { s, sinks } = stream(E);
    s.push(ChunkedBytes.of(pieces(bytes, [3, 50, 51, 4000])));
    s.finish();
    expect(sinks[0]!.bytes.equals(pixels)).toBe(true);
  });

  it('holds values shorter than minLength, and a data set without pixel data, as they are', () => {
    const bytes = encodeDataset(imageBoxSet(), I);
    const small = run(bytes, I, [100], pixels.length + 1);
    expect(small.sinks).toHaveLength(0);
    expect(small.r.diverted).toBeUndefined();
    expect(joined(small.r.held).equals(bytes)).toBe(true);
    const none = encodeDataset({ [Tag.Polarity]: { vr: 'CS', Value: ['REVERSE'] } }, E);
    expect(joined(run(none, E, [5]).r.held).equals(none)).toBe(true);
  });

  it('diverts only the first pixel data element (a second one is held, for the handler to refuse)', () => {
    const ds = imageBoxSet();
    const seq = ds[Tag.BasicGrayscaleImageSequence]!.Value as DcmDataset[];
    seq.push({ ...seq[0]! });
    const bytes = encodeDataset(ds, E);
    const { ds: back, sinks } = run(bytes, E, [1000]);
    expect(sinks).toHaveLength(1);
    const items = back[Tag.BasicGrayscaleImageSequence]!.Value as DcmDataset[];
    expect(items[0]![Tag.PixelData]!.Value![0]).toBeInstanceOf(SpilledValue);
    expect(items[1]![Tag.PixelData]!.Value![0]).not.toBeInstanceOf(SpilledValue);
  });

  it.each([
    [
      'an undefined-length value (encapsulated pixel data), as the reader refuses it',
      hex('e07f 1000 4f42 0000 ffffffff feff00e0 00000000'),
      /\(7FE00010\) OB of undefined length \(encapsulated data is not accepted\)/,
    ],
    ['an unknown VR', hex('1000 1000 5a5a 0200 4142'), /\(00100010\) has VR "ZZ"/],
    [
      'a value that overruns its item',
      hex('2020 1001 5351 0000 10000000 feff00e0 08000000 2800 1000 5553 0200 0100 0000'),
      /item of 8 bytes overruns its parent|value: 2 bytes needed/,
    ],
    ['a data set cut inside a value', hex('1000 1000 504e 0800 4142'), /data set ends inside an element/],
    [
      'an undefined-length sequence without its delimiter',
      hex('2020 1001 5351 0000 ffffffff feff00e0 ffffffff feff0de0 00000000'),
      /data set ends inside a sequence/,
    ],
    ['a header cut short', hex('1000 10'), /data set ends inside an element/],
  ])('fails on %s: aborts the sink and throws at finish', (_n, bytes, why) => {
    for (let c = 1; c < bytes.length; c++) {
      const { s } = stream(E);
      for (const p of pieces(bytes, [c])) s.push(p);
      expect(() => s.finish()).toThrow(why);
    }
  });

  it('aborts the sink when the data set fails after the pixel data, and refuses nesting too deep', () => {
    const bytes = Buffer.concat([encodeDataset(imageBoxSet(), E), hex('1000 1000 5a5a 0200 4142')]);
    const { s, sinks } = stream(E);
    s.push(bytes);
    expect(() => s.finish()).toThrow(/has VR "ZZ"/);
    expect(sinks[0]!.aborted).toBe(true);

    let deep: DcmDataset = { [Tag.Rows]: { vr: 'US', Value: [1] } };
    for (let i = 0; i < 20; i++) deep = { [Tag.BasicGrayscaleImageSequence]: { vr: 'SQ', Value: [deep] } };
    const nested = encodeDataset(deep, E);
    expect(() => decodeDataset(nested, E)).toThrow(DatasetError);
    const d = stream(E);
    d.s.push(nested);
    expect(() => d.s.finish()).toThrow(/nested too deep/);
  });

  it('after abort(): the sink is told, further bytes are only counted, finish() throws', () => {
    const bytes = encodeDataset(imageBoxSet(), E);
    const { s, sinks } = stream(E);
    s.push(bytes.subarray(0, 2000));
    s.abort();
    expect(sinks[0]!.aborted).toBe(true);
    expect(s.push(bytes.subarray(2000))).toBe(0);
    expect(s.heldBytes).toBe(0);
    expect(() => s.finish()).toThrow(/aborted/);
  });
});
