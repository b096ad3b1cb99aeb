/**
 * Reads a data set's element structure as its bytes arrive, fragment by fragment (PS3.5 7.1, 7.5),
 * and hands the value of one element (Pixel Data) to a sink instead of holding it. Everything else
 * is held, copied, as the data set it is, with that element's length set to 0 and the lengths of
 * the defined-length sequences and items around it reduced to match: once the last fragment is in,
 * readDataset() parses the held bytes as usual and the value is put back as a SpilledValue.
 *
 * Why: an image box N-SET of a 40 MB (or 200 MB) image held whole until its last fragment is what
 * made memory grow with image size; streamed, the pixels go to the staging file while they arrive.
 *
 * Pure: no I/O but the sink's calls. Fragment boundaries may fall anywhere, inside a header
 * included. Strict like the reader: what it cannot walk (an unknown explicit VR, a value that
 * overruns its item, an undefined-length value, nesting too deep) fails the data set with a
 * DatasetReadError, kept until finish() so the message is still answered with a status.
 */
import { type Bytes, bytesOf, partsOf } from '../chunked-bytes.js';
import type { ValueSink } from '../spilled-value.js';
import { StreamDigest } from '../stream-digest.js';
import {
  BINARY_VRS,
  DatasetReadError,
  hex,
  ITEM,
  ITEM_END,
  implicitVr,
  KNOWN_VRS,
  LONG_VRS,
  MAX_DEPTH,
  SEQ_END,
  UNDEFINED_LENGTH,
  type VrLookup,
} from './dataset-reader.js';

/** Where the diverted value sits: sequence keys and item indexes, then the element's key. */
export type ValuePath = (string | number)[];

export interface StreamOptions {
  explicit: boolean;
  vrOf: VrLookup;
  /** The element whose value goes to the sink, as a number (0x7FE00010): the first one only. */
  tag: number;
  /** Values shorter than this are held like any other. */
  minLength: number;
  /** Called when the element's header is read: where its `length` bytes go. */
  open(length: number): ValueSink;
}

export interface StreamResult {
  /** The data set without the diverted value (its element of length 0). */
  held: Bytes;
  /** The diverted value, when there was one. */
  diverted?: { path: ValuePath; length: number; sink: ValueSink; digest: StreamDigest };
}

interface Frame {
  kind: 'seq' | 'item';
  /** Stream offset where it ends; undefined for undefined length (a delimiter ends it). */
  end: number | undefined;
  /** Held offset of its 4-byte length field (patched when a value inside is diverted). */
  lengthAt: number;
  /** The sequence's key, or the item's index in its sequence. */
  name: string | number;
  /** Items read so far (sequences). */
  items: number;
}

/** Held bytes are copied into blocks of this size (small data sets: one block). */
const BLOCK = 64 * 1024;
const HEADER_MAX = 12;

export class DatasetStream {
  readonly #o: StreamOptions;
  /** Bytes of the data set consumed so far (held or diverted). */
  #pos = 0;
  readonly #blocks: Buffer[] = [];
  #held = 0;
  /** Held offsets of length fields to reduce by the diverted length. */
  readonly #patches: number[] = [];
  readonly #stack: Frame[] = [];
  #items = 0;
  readonly #hdr = Buffer.alloc(HEADER_MAX);
  #hdrHave = 0;
  /** Bytes of the current value still to hold, or to hand to the sink. */
  #keep = 0;
  #divert = 0;
  #diverted: StreamResult['diverted'];
  /** abort() was called: nothing more is held or written. */
  #aborted = false;
  #error: DatasetReadError | undefined;

  constructor(o: StreamOptions) {
    this.#o = o;
  }

  /** Bytes held so far (what counts against memory bounds; the diverted value does not). */
  get heldBytes(): number {
    return this.#held;
  }

  /** The first error met, if any: the rest of the data set is then only counted. */
  get error(): DatasetReadError | undefined {
    return this.#error;
  }

  /** Feed the next bytes; returns how many of them were held. */
  push(b: Bytes): number {
    const before = this.#held;
    for (const part of partsOf(b)) this.#part(part);
    return this.#held - before;
  }

  /** The data set is complete: the held bytes and the diverted value; throws DatasetReadError. */
  finish(): StreamResult {
    if (this.#aborted && !this.#error) throw new DatasetReadError('data set stream was aborted');
    if (!this.#error) {
      this.#closeFrames();
      if (this.#keep > 0 || this.#divert > 0 || this.#hdrHave > 0)
        this.#fail('data set ends inside an element');
      else if (this.#stack.length > 0)
        this.#fail(`data set ends inside a ${this.#stack.at(-1)!.kind === 'seq' ? 'sequence' : 'item'}`);
    }
    if (this.#error) throw this.#error;
    const length = this.#diverted?.length ?? 0;
    for (const at of this.#patches) this.#writeU32(at, this.#readU32(at) - length);
    const parts = this.#blocks.map((b, i) =>
      i === this.#blocks.length - 1 ? b.subarray(0, this.#held - i * BLOCK) : b,
    );
    const result: StreamResult = { held: bytesOf(parts, this.#held) };
    if (this.#diverted) result.diverted = this.#diverted;
    this.#blocks.length = 0;
    return result;
  }

  /** The message will not be used: the sink drops what it has, the held bytes are let go. */
  abort(): void {
    if (!this.#aborted) {
      this.#diverted?.sink.abort();
      this.#diverted?.digest.drop();
    }
    this.#aborted = true;
    this.#blocks.length = 0;
    this.#held = 0;
  }

  #fail(why: string): void {
    if (this.#error) return;
    this.#error = new DatasetReadError(`${why} at byte ${this.#pos}`);
    this.abort();
  }

  #part(p: Buffer): void {
    let i = 0;
    while (i < p.length) {
      if (this.#aborted) {
        this.#pos += p.length - i;
        return;
      }
      if (this.#divert > 0) {
        const n = Math.min(this.#divert, p.length - i);
        const part = p.subarray(i, i + n);
        this.#diverted!.digest.update(part);
        this.#diverted!.sink.write(part);
        i += n;
        this.#pos += n;
        this.#divert -= n;
        if (this.#divert === 0) {
          this.#diverted!.digest.end();
          this.#diverted!.sink.end();
        }
        continue;
      }
      if (this.#keep > 0) {
        const n = Math.min(this.#keep, p.length - i);
        this.#hold(p, i, i + n);
        i += n;
        this.#pos += n;
        this.#keep -= n;
        continue;
      }
      if (this.#hdrHave === 0) this.#closeFrames();
      // A header: 8 bytes, 12 for an explicit long VR (known once the VR is in).
      const need = this.#headerLength();
      const n = Math.min(need - this.#hdrHave, p.length - i);
      p.copy(this.#hdr, this.#hdrHave, i, i + n);
      this.#hdrHave += n;
      i += n;
      this.#pos += n;
      if (this.#hdrHave === this.#headerLength()) this.#header();
    }
  }

  /** Frames whose defined length is used up end here. */
  #closeFrames(): void {
    for (
      let top = this.#stack.at(-1);
      top?.end !== undefined && top.end <= this.#pos;
      top = this.#stack.at(-1)
    )
      this.#pop();
  }

  #pop(): void {
    const f = this.#stack.pop()!;
    if (f.kind === 'item') this.#items--;
  }

  #headerLength(): number {
    if (this.#hdrHave < 8 || !this.#o.explicit || this.#stack.at(-1)?.kind === 'seq') return 8;
    if (this.#hdr.readUInt16LE(0) === 0xfffe) return 8; // item and delimiter tags carry no VR
    return LONG_VRS.has(this.#hdr.toString('latin1', 4, 6)) ? 12 : 8;
  }

  #header(): void {
    const h = this.#hdr;
    const size = this.#hdrHave;
    this.#hdrHave = 0;
    const tag = ((h.readUInt16LE(0) << 16) | h.readUInt16LE(2)) >>> 0;
    const start = this.#held;
    const top = this.#stack.at(-1);
    const headerAt = this.#pos - size;
    if (top?.end !== undefined && headerAt + size > top.end) {
      this.#fail(`header overruns its ${top.kind === 'seq' ? 'sequence' : 'item'}`);
      return;
    }
    if (top?.kind === 'seq') {
      const len = h.readUInt32LE(4);
      if (tag === SEQ_END) {
        if (top.end !== undefined) {
          this.#fail('sequence delimiter in a defined-length sequence');
          return;
        }
        this.#hold(h, 0, 8);
        this.#pop();
        return;
      }
      if (tag !== ITEM) {
        this.#fail(`expected an item, found (${hex(tag)})`);
        return;
      }
      if (this.#items >= MAX_DEPTH) {
        this.#fail('sequences nested too deep');
        return;
      }
      const end = this.#end(len, top, 'item');
      if (end === null) return;
      this.#hold(h, 0, 8);
      this.#stack.push({ kind: 'item', end, lengthAt: start + 4, name: top.items++, items: 0 });
      this.#items++;
      return;
    }
    if (tag === ITEM_END) {
      if (!top || top.end !== undefined) {
        this.#fail('item delimiter outside an undefined-length item');
        return;
      }
      this.#hold(h, 0, 8);
      this.#pop();
      return;
    }
    const key = hex(tag);
    let vr: string;
    let len: number;
    let lengthAt: number;
    if (this.#o.explicit) {
      vr = h.toString('latin1', 4, 6);
      if (!KNOWN_VRS.has(vr)) {
        this.#fail(`(${key}) has VR "${vr.replace(/[^\x20-\x7e]/g, '?')}"`);
        return;
      }
      lengthAt = size === 12 ? 8 : 6;
      len = size === 12 ? h.readUInt32LE(8) : h.readUInt16LE(6);
    } else {
      len = h.readUInt32LE(4);
      lengthAt = 4;
      vr = implicitVr(tag, key, len, this.#o.vrOf);
    }
    if (vr === 'SQ') {
      const end = this.#end(len, top, 'sequence');
      if (end === null) return;
      this.#hold(h, 0, size);
      this.#stack.push({ kind: 'seq', end, lengthAt: start + lengthAt, name: key, items: 0 });
      return;
    }
    if (len === UNDEFINED_LENGTH) {
      this.#fail(`(${key}) ${vr} of undefined length (encapsulated data is not accepted)`);
      return;
    }
    if (top?.end !== undefined && this.#pos + len > top.end) {
      this.#fail(`(${key}) value: ${len} bytes needed, ${top.end - this.#pos} left`);
      return;
    }
    if (tag === this.#o.tag && !this.#diverted && len >= this.#o.minLength && BINARY_VRS.has(vr) && len > 0) {
      // Held with a length of 0; the lengths around it shrink by as much at finish().
      h.writeUInt32LE(0, lengthAt);
      this.#hold(h, 0, size);
      for (const f of this.#stack) if (f.end !== undefined) this.#patches.push(f.lengthAt);
      const path: ValuePath = [];
      for (const f of this.#stack) path.push(f.name);
      path.push(key);
      // Its SHA-256 lets the record tell two images apart without keeping either.
      this.#diverted = { path, length: len, sink: this.#o.open(len), digest: new StreamDigest() };
      this.#divert = len;
      return;
    }
    this.#hold(h, 0, size);
    this.#keep = len;
  }

  /** Where a sequence or item of `len` bytes starting here ends; null (and failed) when it overruns. */
  #end(len: number, parent: Frame | undefined, what: string): number | undefined | null {
    if (len === UNDEFINED_LENGTH) return undefined;
    const end = this.#pos + len;
    if (parent?.end !== undefined && end > parent.end) {
      this.#fail(`${what} of ${len} bytes overruns its parent`);
      return null;
    }
    return end;
  }

  /** Copy b[from, to) to the held bytes. */
  #hold(b: Buffer, from: number, to: number): void {
    while (from < to) {
      const inBlock = this.#held % BLOCK;
      if (inBlock === 0 && this.#blocks.length * BLOCK === this.#held)
        this.#blocks.push(Buffer.allocUnsafe(BLOCK));
      const block = this.#blocks.at(-1)!;
      const n = Math.min(BLOCK - inBlock, to - from);
      b.copy(block, inBlock, from, from + n);
      from += n;
      this.#held += n;
    }
  }

  #readU32(at: number): number {
    let v = 0;
    for (let k = 3; k >= 0; k--) v = v * 256 + this.#blocks[Math.floor((at + k) / BLOCK)]![(at + k) % BLOCK]!;
    return v;
  }

  #writeU32(at: number, v: number): void {
    for (let k = 0; k < 4; k++, v = Math.floor(v / 256))
      this.#blocks[Math.floor((at + k) / BLOCK)]![(at + k) % BLOCK] = v % 256;
  }
}
