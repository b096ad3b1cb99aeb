import { describe, expect, it } from 'vitest';
import { ChunkedBytes, joined } from '../../src/dicom/chunked-bytes.js';
import { PduError } from '../../src/dicom/ul/errors.js';
import type { Pdu } from '../../src/dicom/ul/pdu.js';
import { decodePdu, encodePdu } from '../../src/dicom/ul/pdu-codec.js';
import { PduFramer } from '../../src/dicom/ul/pdu-framer.js';
import { DCMTK_PRINT_ASSOCIATE_RQ } from '../fixtures/dcmtk-associate-rq.js';

const limits = { maxPDataLength: 1024, maxAssociateLength: 4096 };
const roomy = { maxPDataLength: 65536, maxAssociateLength: 4096 };

const stream: Pdu[] = [
  { type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: true, isLast: true, data: Buffer.alloc(100, 7) }] },
  { type: 'A-RELEASE-RQ' },
  {
    type: 'P-DATA-TF',
    pdvs: [{ contextId: 3, isCommand: false, isLast: false, data: Buffer.alloc(1000, 9) }],
  },
  { type: 'A-ABORT', source: 0, reason: 0 },
];
const bytes = Buffer.concat([DCMTK_PRINT_ASSOCIATE_RQ, ...stream.map(encodePdu)]);
const expected = [decodePdu(DCMTK_PRINT_ASSOCIATE_RQ), ...stream];

/** Decoded PDUs, PDV data joined (a PDV spanning chunks arrives as views of each). */
function feed(f: PduFramer, chunks: Buffer[]): Pdu[] {
  return chunks
    .flatMap((c) => f.push(c))
    .map(decodePdu)
    .map((p) =>
      p.type === 'P-DATA-TF' ? { ...p, pdvs: p.pdvs.map((v) => ({ ...v, data: joined(v.data) })) } : p,
    );
}

describe('PduFramer', () => {
  it('whole stream in one chunk', () => {
    expect(feed(new PduFramer(limits), [bytes])).toEqual(expected);
  });

  it('split in two at every byte offset', () => {
    for (let i = 0; i <= bytes.length; i++) {
      const f = new PduFramer(limits);
      expect(feed(f, [bytes.subarray(0, i), bytes.subarray(i)])).toEqual(expected);
      expect(f.buffered).toBe(0);
    }
  });

  it('one byte at a time', () => {
    const f = new PduFramer(limits);
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    expect(feed(f, chunks)).toEqual(expected);
  });

  it('joins a P-DATA-TF that trickled in byte by byte (no object per byte is kept)', () => {
    const f = new PduFramer(limits);
    const frames = [...encodePdu(stream[2]!)].flatMap((b) => f.push(Buffer.from([b])));
    expect(frames).toHaveLength(1);
    expect(Buffer.isBuffer(frames[0])).toBe(true);
  });

  it('split in three at many offset pairs', () => {
    for (let i = 0; i < bytes.length; i += 7) {
      for (let j = i; j < bytes.length; j += 97) {
        const f = new PduFramer(limits);
        expect(feed(f, [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)])).toEqual(expected);
      }
    }
  });

  it('hands out a P-DATA-TF that spans chunks as views of them, never a copy', () => {
    const big: Pdu = {
      type: 'P-DATA-TF',
      pdvs: [{ contextId: 3, isCommand: false, isLast: false, data: Buffer.alloc(20_000, 9) }],
    };
    const pdata = encodePdu(big);
    const cut = 9000;
    // Each chunk in memory of its own, as the socket delivers them (Buffer.from would share a pool).
    const own = (x: Buffer) => {
      const o = Buffer.allocUnsafeSlow(x.length);
      x.copy(o);
      return o;
    };
    const [a, b] = [own(pdata.subarray(0, cut)), own(pdata.subarray(cut))];
    const f = new PduFramer(roomy);
    expect(f.push(a)).toEqual([]);
    const [whole] = f.push(b);
    expect(whole).toBeInstanceOf(ChunkedBytes);
    const parts = (whole as ChunkedBytes).parts;
    expect(parts.map((p) => p.buffer)).toEqual([a.buffer, b.buffer]);
    const pdu = decodePdu(whole!);
    if (pdu.type !== 'P-DATA-TF') throw new Error(pdu.type);
    const data = pdu.pdvs[0]!.data;
    expect(data).toBeInstanceOf(ChunkedBytes);
    expect((data as ChunkedBytes).parts.every((p) => p.buffer === a.buffer || p.buffer === b.buffer)).toBe(
      true,
    );
    expect(joined(data).equals(Buffer.alloc(20_000, 9))).toBe(true);
  });

  it('joins other PDUs that span chunks into one buffer', () => {
    const f = new PduFramer(limits);
    f.push(DCMTK_PRINT_ASSOCIATE_RQ.subarray(0, 50));
    const [rq] = f.push(DCMTK_PRINT_ASSOCIATE_RQ.subarray(50));
    expect(Buffer.isBuffer(rq)).toBe(true);
    expect((rq as Buffer).equals(DCMTK_PRINT_ASSOCIATE_RQ)).toBe(true);
  });

  it('rejects an oversize P-DATA-TF from its header alone, before buffering the body', () => {
    const f = new PduFramer(limits);
    const head = Buffer.from('04000000' + '0401', 'hex'); // length 1025 > 1024
    expect(() => f.push(head)).toThrow(PduError);
  });

  it('rejects a 4 GiB length claim without allocating', () => {
    const f = new PduFramer(limits);
    const before = process.memoryUsage().arrayBuffers;
    let err: unknown;
    try {
      f.push(Buffer.from('04 00 ffffffff'.replace(/ /g, ''), 'hex'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PduError);
    expect((err as PduError).reason).toBe('invalid-pdu-parameter-value');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
  });

  it('rejects an oversize A-ASSOCIATE-RQ from its header', () => {
    expect(() => new PduFramer(limits).push(Buffer.from('010000001001', 'hex'))).toThrow(/limit of 4096/);
  });

  it('rejects unknown PDU types as unrecognized-pdu at once', () => {
    let err: PduError | undefined;
    try {
      new PduFramer(limits).push(Buffer.from('ff0000000004', 'hex'));
    } catch (e) {
      err = e as PduError;
    }
    expect(err?.reason).toBe('unrecognized-pdu');
  });

  it('rejects A-ABORT / A-RELEASE with a length other than 4 from the header', () => {
    expect(() => new PduFramer(limits).push(Buffer.from('070000000100', 'hex'))).toThrow(PduError);
    expect(() => new PduFramer(limits).push(Buffer.from('050000000000', 'hex'))).toThrow(PduError);
  });

  it('waits quietly for a partial header', () => {
    const f = new PduFramer(limits);
    expect(f.push(Buffer.from('0400', 'hex'))).toEqual([]);
    expect(f.buffered).toBe(2);
  });
});
