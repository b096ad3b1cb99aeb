/**
 * Our own data set reader (Implicit and Explicit VR Little Endian, PS3.5 7.1), producing the same
 * DICOM JSON model as dcmjs. Why not dcmjs: it copies binary values twice (once for the sequence
 * item, once for the value) and scans undefined lengths in JS; a 40 MB image box N-SET needs its
 * pixel data as a view, not three copies. Strict and bounded: every length is checked against the
 * bytes left; anything that does not parse throws DatasetError.
 */
import { type Bytes, viewOf } from '../chunked-bytes.js';
import type { DcmDataset, DcmElement } from './dataset.js';

export class DatasetReadError extends Error {
  override name = 'DatasetReadError';
}

/** VRs whose explicit encoding has a 2-byte reserved field and a 4-byte length (PS3.5 Table 7.1-1). */
export const LONG_VRS: ReadonlySet<string> = new Set([
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
export const KNOWN_VRS: ReadonlySet<string> = new Set([
  ...LONG_VRS,
  ...[
    'AE',
    'AS',
    'AT',
    'CS',
    'DA',
    'DS',
    'DT',
    'FL',
    'FD',
    'IS',
    'LO',
    'LT',
    'PN',
    'SH',
    'SL',
    'SS',
    'ST',
    'TM',
    'UI',
    'UL',
    'US',
  ],
]);
/** Text VRs whose backslash is content, not a value separator. */
const SINGLE_TEXT = new Set(['LT', 'ST', 'UT', 'UR']);
export const BINARY_VRS: ReadonlySet<string> = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
export const UNDEFINED_LENGTH = 0xffffffff;
export const ITEM = 0xfffee000;
export const ITEM_END = 0xfffee00d;
export const SEQ_END = 0xfffee0dd;
/** Items nested deeper than this are refused (a hostile data set must not exhaust the stack). */
export const MAX_DEPTH = 16;
const UNDEFINED = UNDEFINED_LENGTH;

export type VrLookup = (tag: string) => string | undefined;

interface Cursor {
  /** One buffer, or the chunks a large data set arrived in (binary values stay views of them). */
  buf: Bytes;
  at: number;
}

function fail(c: Cursor, why: string): never {
  throw new DatasetReadError(`${why} at byte ${c.at}`);
}

function need(c: Cursor, n: number, end: number, what: string): void {
  if (n < 0 || c.at + n > end) fail(c, `${what}: ${n} bytes needed, ${end - c.at} left`);
}

function tagOf(c: Cursor): number {
  return ((c.buf.readUInt16LE(c.at) << 16) | c.buf.readUInt16LE(c.at + 2)) >>> 0;
}

export const hex = (t: number) => t.toString(16).toUpperCase().padStart(8, '0');

/**
 * The VR of an Implicit VR element, from the dictionary: group lengths are UL, the ambiguous pixel
 * and LUT data VRs read as OW, US-or-SS as US, unknown tags as UN (a sequence when of undefined
 * length, PS3.5 6.2.2).
 */
export function implicitVr(tag: number, key: string, length: number, vrOf: VrLookup): string {
  const dict = (tag & 0xffff) === 0 ? 'UL' : vrOf(key);
  const vr = dict === undefined ? 'UN' : dict === 'ox' || dict === 'lt' ? 'OW' : dict === 'xs' ? 'US' : dict;
  return length === UNDEFINED_LENGTH && vr === 'UN' ? 'SQ' : vr;
}

function text(b: Buffer): string {
  return b.toString('latin1').replace(/[\0 ]+$/, '');
}

/** Numbers and text; binary values are views the caller makes (they may span chunks). */
function value(vr: string, b: Buffer): unknown[] {
  switch (vr) {
    case 'US':
    case 'SS':
    case 'UL':
    case 'SL':
    case 'FL':
    case 'FD':
    case 'AT': {
      const size = vr === 'US' || vr === 'SS' ? 2 : vr === 'FD' ? 8 : 4;
      if (b.length % size !== 0) throw new DatasetReadError(`${vr} value of ${b.length} bytes`);
      const out: number[] = [];
      for (let i = 0; i < b.length; i += size) {
        if (vr === 'US') out.push(b.readUInt16LE(i));
        else if (vr === 'SS') out.push(b.readInt16LE(i));
        else if (vr === 'UL') out.push(b.readUInt32LE(i));
        else if (vr === 'SL') out.push(b.readInt32LE(i));
        else if (vr === 'FL') out.push(b.readFloatLE(i));
        else if (vr === 'FD') out.push(b.readDoubleLE(i));
        else out.push(((b.readUInt16LE(i) << 16) | b.readUInt16LE(i + 2)) >>> 0);
      }
      return out;
    }
    case 'IS':
    case 'DS': {
      const s = text(b).trim();
      if (s === '') return [];
      return s.split('\\').map((x) => Number(x.trim()));
    }
    case 'PN': {
      const s = text(b);
      return s === '' ? [] : s.split('\\').map((x) => ({ Alphabetic: x }));
    }
    default: {
      const s = text(b);
      if (s === '') return [];
      return SINGLE_TEXT.has(vr) ? [s] : s.split('\\').map((x) => x.trim());
    }
  }
}

function readItems(
  c: Cursor,
  length: number,
  end: number,
  explicit: boolean,
  vrOf: VrLookup,
  depth: number,
): DcmDataset[] {
  const items: DcmDataset[] = [];
  const stop = length === UNDEFINED ? end : c.at + length;
  if (stop > end) fail(c, `sequence of ${length} bytes overruns its parent`);
  while (c.at < stop) {
    need(c, 8, stop, 'item header');
    const tag = tagOf(c);
    const len = c.buf.readUInt32LE(c.at + 4);
    c.at += 8;
    if (tag === SEQ_END) {
      if (length !== UNDEFINED) fail(c, 'sequence delimiter in a defined-length sequence');
      return items;
    }
    if (tag !== ITEM) fail(c, `expected an item, found (${hex(tag)})`);
    items.push(readElements(c, len, stop, explicit, vrOf, depth + 1));
  }
  if (length === UNDEFINED) fail(c, 'undefined-length sequence without its delimiter');
  return items;
}

/** Read elements until `length` bytes are consumed, or an item delimiter when undefined. */
function readElements(
  c: Cursor,
  length: number,
  end: number,
  explicit: boolean,
  vrOf: VrLookup,
  depth: number,
): DcmDataset {
  if (depth > MAX_DEPTH) fail(c, 'sequences nested too deep');
  const ds: DcmDataset = {};
  const stop = length === UNDEFINED ? end : c.at + length;
  if (stop > end) fail(c, `item of ${length} bytes overruns its parent`);
  while (c.at < stop) {
    need(c, 8, stop, 'element header');
    const tag = tagOf(c);
    if (tag === ITEM_END) {
      if (length !== UNDEFINED) fail(c, 'item delimiter in a defined-length item');
      c.at += 8;
      return ds;
    }
    const key = hex(tag);
    let vr: string;
    let len: number;
    if (explicit) {
      vr = c.buf.toString('latin1', c.at + 4, c.at + 6);
      if (!KNOWN_VRS.has(vr)) fail(c, `(${key}) has VR "${vr.replace(/[^\x20-\x7e]/g, '?')}"`);
      if (LONG_VRS.has(vr)) {
        need(c, 12, stop, 'element header');
        len = c.buf.readUInt32LE(c.at + 8);
        c.at += 12;
      } else {
        len = c.buf.readUInt16LE(c.at + 6);
        c.at += 8;
      }
    } else {
      len = c.buf.readUInt32LE(c.at + 4);
      c.at += 8;
      vr = implicitVr(tag, key, len, vrOf);
    }
    if (vr === 'SQ') {
      ds[key] = { vr, Value: readItems(c, len, stop, explicit, vrOf, depth) };
      continue;
    }
    if (len === UNDEFINED) fail(c, `(${key}) ${vr} of undefined length (encapsulated data is not accepted)`);
    need(c, len, stop, `(${key}) value`);
    const from = c.at;
    c.at += len;
    let el: DcmElement;
    try {
      el = BINARY_VRS.has(vr)
        ? { vr, Value: [viewOf(c.buf, from, c.at)] }
        : { vr, Value: value(vr, c.buf.subarray(from, c.at)) };
    } catch (e) {
      fail(c, `(${key}): ${(e as Error).message}`);
    }
    ds[key] = el;
  }
  if (length === UNDEFINED && depth > 0) fail(c, 'undefined-length item without its delimiter');
  return ds;
}

/**
 * Parse a whole data set. Binary values are views into `buf`, not copies: a Buffer, or a
 * ChunkedBytes when the value spans received chunks.
 */
export function readDataset(buf: Bytes, explicit: boolean, vrOf: VrLookup): DcmDataset {
  const c: Cursor = { buf, at: 0 };
  return readElements(c, buf.length, buf.length, explicit, vrOf, 0);
}
