/**
 * Writes a data set (DICOM JSON model) in Implicit or Explicit VR Little Endian, the encoding
 * dcmjs produces byte for byte (elements in tag order, sequences and items of undefined length
 * with delimiters, text padded to even length), at a fraction of its cost: every N-CREATE, N-GET
 * and N-EVENT-REPORT response is written here. Pure.
 */
import { ChunkedBytes } from '../chunked-bytes.js';
import { Tag } from '../tags.js';
import type { DcmDataset } from './dataset.js';

/** VRs whose explicit-VR header has a 4-byte length (PS3.5 7.1.2). */
const LONG_VRS: ReadonlySet<string> = new Set([
  'OB',
  'OD',
  'OF',
  'OL',
  'OV',
  'OW',
  'SQ',
  'UC',
  'UN',
  'UR',
  'UT',
  'SV',
  'UV',
]);
const BINARY_VRS: ReadonlySet<string> = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const NUMBER_SIZES: Readonly<Record<string, number>> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, AT: 4 };
/** Text VRs holding one value whose backslashes are text, not separators. */
const SINGLE_TEXT: ReadonlySet<string> = new Set(['LT', 'ST', 'UT', 'UR']);
const UNDEFINED = 0xffffffff;

/** Grows as needed; one per written data set. */
class Out {
  buf = Buffer.allocUnsafe(1024);
  at = 0;

  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }
  u16(v: number): void {
    this.room(2);
    this.at = this.buf.writeUInt16LE(v, this.at);
  }
  u32(v: number): void {
    this.room(4);
    this.at = this.buf.writeUInt32LE(v, this.at);
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }
}

function tagHeader(out: Out, tag: string): void {
  const n = Number.parseInt(tag, 16);
  out.u16(n >>> 16);
  out.u16(n & 0xffff);
}

function header(out: Out, tag: string, vr: string, length: number, explicit: boolean): void {
  tagHeader(out, tag);
  if (!explicit) {
    out.u32(length);
    return;
  }
  out.room(2);
  out.at += out.buf.write(vr, out.at, 2, 'latin1');
  if (LONG_VRS.has(vr)) {
    out.u16(0);
    out.u32(length);
  } else out.u16(length);
}

function text(v: unknown): string {
  if (v !== null && typeof v === 'object' && 'Alphabetic' in v)
    return String((v as { Alphabetic: unknown }).Alphabetic);
  return v === undefined || v === null ? '' : String(v);
}

/** The value bytes of one non-sequence element, padded to even length. */
function valueBytes(vr: string, values: readonly unknown[]): Uint8Array {
  if (BINARY_VRS.has(vr)) {
    const v = values[0];
    if (v === undefined) return new Uint8Array(0);
    const b =
      v instanceof ChunkedBytes
        ? v.toBuffer()
        : v instanceof ArrayBuffer
          ? new Uint8Array(v)
          : ArrayBuffer.isView(v)
            ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
            : new Uint8Array(0);
    if (b.length % 2 === 0) return b;
    const padded = new Uint8Array(b.length + 1);
    padded.set(b);
    return padded;
  }
  const size = NUMBER_SIZES[vr];
  if (size !== undefined) {
    const b = Buffer.allocUnsafe(size * values.length);
    values.forEach((x, i) => {
      const at = i * size;
      if (vr === 'AT') {
        const t = typeof x === 'string' ? Number.parseInt(x, 16) : Number(x);
        b.writeUInt16LE(t >>> 16, at);
        b.writeUInt16LE(t & 0xffff, at + 2);
      } else if (vr === 'US') b.writeUInt16LE(Number(x), at);
      else if (vr === 'SS') b.writeInt16LE(Number(x), at);
      else if (vr === 'UL') b.writeUInt32LE(Number(x), at);
      else if (vr === 'SL') b.writeInt32LE(Number(x), at);
      else if (vr === 'FL') b.writeFloatLE(Number(x), at);
      else b.writeDoubleLE(Number(x), at);
    });
    return b;
  }
  const s = SINGLE_TEXT.has(vr) ? text(values[0]) : values.map(text).join('\\');
  const b = Buffer.from(s, 'latin1');
  if (b.length % 2 === 0) return b;
  const padded = Buffer.alloc(b.length + 1, vr === 'UI' ? 0 : 0x20);
  b.copy(padded);
  return padded;
}

function writeInto(out: Out, ds: DcmDataset, explicit: boolean): void {
  for (const key of Object.keys(ds).sort()) {
    const tag = key.toUpperCase();
    const el = ds[key]!;
    const values = el.Value ?? [];
    if (el.vr === 'SQ') {
      header(out, tag, 'SQ', UNDEFINED, explicit);
      for (const item of values) {
        tagHeader(out, Tag.Item);
        out.u32(UNDEFINED);
        writeInto(out, item as DcmDataset, explicit);
        tagHeader(out, Tag.ItemDelimitationItem);
        out.u32(0);
      }
      tagHeader(out, Tag.SequenceDelimitationItem);
      out.u32(0);
      continue;
    }
    const bytes = valueBytes(el.vr, values);
    header(out, tag, el.vr, bytes.length, explicit);
    out.bytes(bytes);
  }
}

export function writeDataset(ds: DcmDataset, explicit: boolean): Buffer {
  const out = new Out();
  writeInto(out, ds, explicit);
  return out.buf.subarray(0, out.at);
}
