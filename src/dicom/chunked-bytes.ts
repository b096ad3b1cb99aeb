/**
 * Bytes held as the socket delivered them: a list of views into the received chunks, read as one
 * sequence. Why: a 40 MiB image box N-SET arrives as hundreds of TCP chunks; joining them into one
 * buffer doubles the memory at the worst moment (the chunks stay alive until the join is done, and
 * are garbage the collector frees late). Kept as a list, the pixel data is never copied: it goes
 * from the kernel's read into the socket chunk, and from there to the spooled film file.
 *
 * Reads of a few bytes that straddle two parts are assembled on the fly; subarray() copies only
 * when its range straddles parts; slice() never copies.
 */
import { SpilledValue } from './spilled-value.js';

export class ChunkedBytes {
  readonly parts: readonly Buffer[];
  readonly length: number;
  /** Offset of each part's first byte, for the binary search in #find. */
  readonly #starts: number[];

  private constructor(parts: readonly Buffer[], starts: number[], length: number) {
    this.parts = parts;
    this.#starts = starts;
    this.length = length;
  }

  /** Parts in order; empty ones are dropped. The buffers are referenced, not copied. */
  static of(parts: readonly Buffer[]): ChunkedBytes {
    const kept: Buffer[] = [];
    const starts: number[] = [];
    let length = 0;
    for (const p of parts) {
      if (p.length === 0) continue;
      kept.push(p);
      starts.push(length);
      length += p.length;
    }
    return new ChunkedBytes(kept, starts, length);
  }

  /** The index of the part holding byte `at` (0 <= at < length). */
  #find(at: number): number {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  #check(at: number, n: number): void {
    if (at < 0 || n < 0 || at + n > this.length) {
      throw new RangeError(`bytes ${at}..${at + n} outside a length of ${this.length}`);
    }
  }

  /** Bytes [start, end) as one Buffer: a view when they lie in one part, else a copy. */
  subarray(start: number, end: number): Buffer {
    this.#check(start, end - start);
    if (start === end) return Buffer.alloc(0);
    const i = this.#find(start);
    const part = this.parts[i]!;
    const from = start - this.#starts[i]!;
    if (from + (end - start) <= part.length) return part.subarray(from, from + (end - start));
    const out = Buffer.allocUnsafe(end - start);
    let at = 0;
    for (let j = i; at < out.length; j++) {
      const p = this.parts[j]!;
      const s = j === i ? from : 0;
      const k = Math.min(p.length - s, out.length - at);
      p.copy(out, at, s, s + k);
      at += k;
    }
    return out;
  }

  /** Bytes [start, end) as views into the parts: never a copy. */
  slice(start: number, end: number): ChunkedBytes {
    this.#check(start, end - start);
    const out: Buffer[] = [];
    if (start < end) {
      let at = start;
      for (let j = this.#find(start); at < end; j++) {
        const p = this.parts[j]!;
        const s = at - this.#starts[j]!;
        const k = Math.min(p.length - s, end - at);
        out.push(p.subarray(s, s + k));
        at += k;
      }
    }
    return ChunkedBytes.of(out);
  }

  /** One Buffer with all the bytes: the only part itself, or a copy of them all. */
  toBuffer(): Buffer {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.length);
  }

  readUInt8(at: number): number {
    this.#check(at, 1);
    const i = this.#find(at);
    return this.parts[i]![at - this.#starts[i]!]!;
  }

  readUInt16LE(at: number): number {
    return this.#small(at, 2).readUInt16LE(0);
  }

  readUInt16BE(at: number): number {
    return this.#small(at, 2).readUInt16BE(0);
  }

  readUInt32LE(at: number): number {
    return this.#small(at, 4).readUInt32LE(0);
  }

  readUInt32BE(at: number): number {
    return this.#small(at, 4).readUInt32BE(0);
  }

  toString(encoding: BufferEncoding, start: number, end: number): string {
    return this.subarray(start, end).toString(encoding);
  }

  /** A view of n bytes at `at` in which to read a number. */
  #small(at: number, n: number): Buffer {
    return this.subarray(at, at + n);
  }
}

/** A binary value as received: one buffer, or chunks too large to be worth joining. */
export type Bytes = Buffer | ChunkedBytes;

/**
 * Parts kept as chunks only when they are large on average: a peer that trickles its bytes (one
 * TCP segment per byte) must not make us hold a Buffer object per byte. Below this mean size the
 * parts are joined; above it the bookkeeping is under 3% of the bytes.
 */
export const MIN_MEAN_PART_BYTES = 4096;

/** The parts as one Bytes: the only part, the parts as chunks, or (small parts) joined in one copy. */
export function bytesOf(parts: readonly Buffer[], length: number): Bytes {
  if (parts.length === 1) return parts[0]!;
  if (length >= parts.length * MIN_MEAN_PART_BYTES) return ChunkedBytes.of(parts);
  return Buffer.concat(parts, length);
}

/** Bytes [start, end) of b without copying: a Buffer when they lie in one buffer. */
export function viewOf(b: Bytes, start: number, end: number): Bytes {
  if (!(b instanceof ChunkedBytes)) return b.subarray(start, end);
  const s = b.slice(start, end);
  return s.parts.length === 1 ? s.parts[0]! : s;
}

/** All of b in one Buffer (a copy only when it is in chunks): for small values and tests. */
export function joined(b: Bytes): Buffer {
  return b instanceof ChunkedBytes ? b.toBuffer() : b;
}

/**
 * The byte count of a binary value as a data set holds it (ChunkedBytes, Buffer or another view,
 * ArrayBuffer, or a SpilledValue that went to disk); undefined for anything else. For records and logs that show pixels as a size.
 */
export function binaryLength(v: unknown): number | undefined {
  if (v instanceof ChunkedBytes || v instanceof SpilledValue) return v.length;
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v.byteLength;
  return undefined;
}

/** The buffers that hold a binary value, in order (for writing it out without joining it). */
export function partsOf(b: Bytes): readonly Buffer[] {
  return b instanceof ChunkedBytes ? b.parts : [b];
}
