import { describe, expect, it } from 'vitest';
import { ChunkedBytes, joined, MIN_MEAN_PART_BYTES, partsOf, viewOf } from '../../src/dicom/chunked-bytes.js';
import { MessageAssembler } from '../../src/dicom/dimse/assembler.js';
import { encodeCommand } from '../../src/dicom/dimse/command-codec.js';
import { type DcmDataset, decodeDataset, encodeDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import type { Pdv } from '../../src/dicom/ul/pdu.js';

const whole = Buffer.from(Array.from({ length: 257 }, (_, i) => (i * 31 + 7) & 0xff));

/** A copy of b in memory of its own (not Buffer's shared pool), as a socket chunk is. */
function own(b: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(b.length);
  b.copy(out);
  return out;
}

/** whole cut at the given offsets, each part in its own memory. */
function cut(b: Buffer, at: number[]): ChunkedBytes {
  const edges = [0, ...at, b.length];
  return ChunkedBytes.of(edges.slice(1).map((e, i) => own(b.subarray(edges[i]!, e))));
}

describe('ChunkedBytes', () => {
  it('reads numbers and text at every offset as one buffer would, whatever the cuts', () => {
    for (const cuts of [[], [1], [3, 4, 5], [100, 101, 200], [2, 64, 65, 66, 128, 255]]) {
      const c = cut(whole, cuts);
      expect(c.length).toBe(whole.length);
      for (let at = 0; at + 4 <= whole.length; at++) {
        expect(c.readUInt8(at)).toBe(whole.readUInt8(at));
        expect(c.readUInt16LE(at)).toBe(whole.readUInt16LE(at));
        expect(c.readUInt16BE(at)).toBe(whole.readUInt16BE(at));
        expect(c.readUInt32LE(at)).toBe(whole.readUInt32LE(at));
        expect(c.readUInt32BE(at)).toBe(whole.readUInt32BE(at));
        expect(c.toString('latin1', at, at + 4)).toBe(whole.toString('latin1', at, at + 4));
      }
    }
  });

  it('subarray is a view inside one part and a copy across parts; slice never copies', () => {
    const c = cut(whole, [100, 200]);
    const inside = c.subarray(10, 90);
    expect(inside.buffer).toBe(c.parts[0]!.buffer);
    const across = c.subarray(90, 210);
    expect(across.equals(whole.subarray(90, 210))).toBe(true);
    expect(c.parts.some((p) => p.buffer === across.buffer)).toBe(false);
    const s = c.slice(90, 210);
    expect(s.parts.map((p) => p.buffer)).toEqual(c.parts.map((p) => p.buffer));
    expect(s.toBuffer().equals(whole.subarray(90, 210))).toBe(true);
    expect(c.slice(5, 5).length).toBe(0);
  });

  it('refuses reads outside its bytes', () => {
    const c = cut(whole, [10]);
    expect(() => c.readUInt32LE(255)).toThrow(RangeError);
    expect(() => c.subarray(-1, 3)).toThrow(RangeError);
    expect(() => c.slice(200, 300)).toThrow(RangeError);
  });

  it('viewOf gives a Buffer when the range lies in one part, and joined/partsOf round-trip', () => {
    const c = cut(whole, [100]);
    expect(Buffer.isBuffer(viewOf(c, 0, 100))).toBe(true);
    expect(viewOf(c, 50, 150)).toBeInstanceOf(ChunkedBytes);
    expect(joined(viewOf(c, 50, 150)).equals(whole.subarray(50, 150))).toBe(true);
    expect(partsOf(whole)).toEqual([whole]);
    expect(Buffer.concat(partsOf(c) as Buffer[]).equals(whole)).toBe(true);
  });
});

describe('a data set in chunks', () => {
  const pixels = Buffer.from(Array.from({ length: 256 * 192 * 2 }, (_, i) => (i * 13) & 0xff));
  const ds: DcmDataset = {
    '20200010': { vr: 'US', Value: [1] },
    '20200110': {
      vr: 'SQ',
      Value: [
        {
          '00280002': { vr: 'US', Value: [1] },
          '00280004': { vr: 'CS', Value: ['MONOCHROME2'] },
          '00280010': { vr: 'US', Value: [192] },
          '00280011': { vr: 'US', Value: [256] },
          '7FE00010': { vr: 'OW', Value: [pixels] },
        },
      ],
    },
  };

  it.each([
    ['explicit', Uid.ExplicitVrLittleEndian],
    ['implicit', Uid.ImplicitVrLittleEndian],
  ])('reads the same as one buffer, cut anywhere (%s VR), pixels as views of the chunks', (_n, ts) => {
    const bytes = encodeDataset(ds, ts);
    const reference = JSON.stringify(decodeDataset(bytes, ts), (_k, v) =>
      v?.type === 'Buffer' ? 'pixels' : v,
    );
    for (let first = 1; first < 200; first += 3) {
      const chunks = cut(bytes, [first, first + 2000, first + 4000]);
      const back = decodeDataset(chunks, ts);
      const item = (back['20200110']!.Value as DcmDataset[])[0]!;
      const px = item['7FE00010']!.Value![0] as ChunkedBytes;
      expect(px).toBeInstanceOf(ChunkedBytes);
      expect(joined(px).equals(pixels)).toBe(true);
      expect(px.parts.every((p) => chunks.parts.some((c) => c.buffer === p.buffer))).toBe(true);
      const text = JSON.stringify(back, (_k, v) =>
        v instanceof ChunkedBytes || v?.type === 'Buffer' ? 'pixels' : v,
      );
      expect(text).toBe(reference);
    }
  });

  const command = encodeCommand({ commandField: 0x0120, messageId: 1, commandDataSetType: 0 });
  const bytes = encodeDataset(ds, Uid.ExplicitVrLittleEndian);
  const pdvsOf = (size: number): Pdv[] => {
    const pdvs: Pdv[] = [{ contextId: 1, isCommand: true, isLast: true, data: command }];
    for (let at = 0; at < bytes.length; at += size) {
      const data = own(bytes.subarray(at, at + size));
      pdvs.push({ contextId: 1, isCommand: false, isLast: at + size >= bytes.length, data });
    }
    return pdvs;
  };

  it('the assembler hands the data set on as the PDVs it came in, not joined', () => {
    const pdvs = pdvsOf(2 * MIN_MEAN_PART_BYTES);
    const [m] = new MessageAssembler(1 << 20).push(pdvs);
    expect(m!.dataset).toBeInstanceOf(ChunkedBytes);
    const parts = (m!.dataset as ChunkedBytes).parts;
    expect(parts.map((p) => p.buffer)).toEqual(pdvs.slice(1).map((p) => (p.data as Buffer).buffer));
    expect(joined(m!.dataset!).equals(bytes)).toBe(true);
  });

  it('joins a data set that came in small pieces (no object per trickled byte is kept)', () => {
    const [m] = new MessageAssembler(1 << 20).push(pdvsOf(100));
    expect(Buffer.isBuffer(m!.dataset)).toBe(true);
    expect(joined(m!.dataset!).equals(bytes)).toBe(true);
  });
});
