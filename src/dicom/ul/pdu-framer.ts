/**
 * Cuts a TCP byte stream into whole PDUs, whatever the chunking. Every PDU length is checked
 * against its limit from the 6-byte header alone, before a single byte of its body is buffered,
 * so a peer cannot make us allocate more than the configured maximum.
 *
 * Linear in the bytes received, and P-DATA-TF PDUs are never copied: one that lies inside a chunk
 * is a view of it, one that spans chunks is a ChunkedBytes of views (image pixels travel in those,
 * and a copy would double the memory an image takes while it arrives), unless the chunks are tiny
 * (see bytesOf). Other PDUs are small and are joined into one buffer when they span chunks.
 */
import { type Bytes, bytesOf } from '../chunked-bytes.js';
import { PduError } from './errors.js';
import { PduType } from './pdu.js';
import { PDU_HEADER_LENGTH } from './pdu-codec.js';

export interface FramerLimits {
  /** Largest P-DATA-TF PDU length we accept: the Maximum Length we advertised. */
  maxPDataLength: number;
  /** Largest A-ASSOCIATE-RQ/AC PDU length we accept. */
  maxAssociateLength: number;
}

const FIXED_LENGTH_PDUS: ReadonlySet<number> = new Set([
  PduType.AssociateRj,
  PduType.ReleaseRq,
  PduType.ReleaseRp,
  PduType.Abort,
]);

export class PduFramer {
  #chunks: Buffer[] = [];
  #buffered = 0;

  constructor(public limits: FramerLimits) {}

  get buffered(): number {
    return this.#buffered;
  }

  /** Feed bytes; returns every PDU now complete. Throws PduError when a header is unacceptable. */
  push(chunk: Buffer): Bytes[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const out: Bytes[] = [];
    while (this.#buffered >= PDU_HEADER_LENGTH) {
      const head = this.#peek(PDU_HEADER_LENGTH);
      const type = head.readUInt8(0);
      const length = head.readUInt32BE(2);
      this.#check(type, length);
      const total = PDU_HEADER_LENGTH + length;
      if (this.#buffered < total) break;
      out.push(this.#take(total, type === PduType.PDataTf));
    }
    return out;
  }

  #check(type: number, length: number): void {
    if (type < PduType.AssociateRq || type > PduType.Abort) {
      throw new PduError('unrecognized-pdu', `PDU type 0x${type.toString(16).padStart(2, '0')}`);
    }
    if (FIXED_LENGTH_PDUS.has(type) && length !== 4) {
      throw new PduError('invalid-pdu-parameter-value', `PDU type ${type} with length ${length}, must be 4`);
    }
    const limit = type === PduType.PDataTf ? this.limits.maxPDataLength : this.limits.maxAssociateLength;
    if (type <= PduType.PDataTf && length > limit) {
      throw new PduError(
        'invalid-pdu-parameter-value',
        `PDU type ${type} length ${length} exceeds the limit of ${limit} bytes`,
      );
    }
  }

  /** The first n buffered bytes, without consuming them. */
  #peek(n: number): Buffer {
    const first = this.#chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    for (const c of this.#chunks) {
      const k = Math.min(c.length, n - at);
      c.copy(out, at, 0, k);
      at += k;
      if (at === n) break;
    }
    return out;
  }

  /** The next n bytes, consumed: a view, or (spanning chunks) views of each or a joined copy. */
  #take(n: number, asChunks: boolean): Bytes {
    this.#buffered -= n;
    const first = this.#chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const parts: Buffer[] = [];
    let at = 0;
    while (at < n) {
      const c = this.#chunks[0]!;
      const k = Math.min(c.length, n - at);
      parts.push(k === c.length ? c : c.subarray(0, k));
      at += k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    return asChunks ? bytesOf(parts, n) : Buffer.concat(parts, n);
  }
}
