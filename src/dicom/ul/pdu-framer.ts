/**
 * Cuts a TCP byte stream into whole PDUs, whatever the chunking. Every PDU length is checked
 * against its limit from the 6-byte header alone, before a single byte of its body is buffered,
 * so a peer cannot make us allocate more than the configured maximum.
 *
 * Linear in the bytes received: chunks are kept in a list and each PDU is copied out once
 * (or sliced without copying when it lies inside one chunk).
 */
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
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const out: Buffer[] = [];
    while (this.#buffered >= PDU_HEADER_LENGTH) {
      const head = this.#peek(PDU_HEADER_LENGTH);
      const type = head.readUInt8(0);
      const length = head.readUInt32BE(2);
      this.#check(type, length);
      const total = PDU_HEADER_LENGTH + length;
      if (this.#buffered < total) break;
      out.push(this.#take(total));
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

  #take(n: number): Buffer {
    this.#buffered -= n;
    const first = this.#chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.#chunks[0]!;
      const k = Math.min(c.length, n - at);
      c.copy(out, at, 0, k);
      at += k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    return out;
  }
}
