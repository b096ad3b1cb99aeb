import { type Bytes, viewOf } from '../chunked-bytes.js';
import { type AbortReason, PduError } from './errors.js';

/**
 * Bounds-checked big-endian reader over one PDU (PS3.8 PDUs are big-endian).
 * Every read names its field, so a malformed PDU fails with a message that says where.
 */
export class ByteReader {
  #offset: number;
  readonly #end: number;

  constructor(
    readonly buf: Bytes,
    start = 0,
    end = buf.length,
  ) {
    this.#offset = start;
    this.#end = end;
  }

  get offset(): number {
    return this.#offset;
  }

  get remaining(): number {
    return this.#end - this.#offset;
  }

  #need(n: number, field: string, reason: AbortReason): void {
    if (n < 0 || this.#offset + n > this.#end) {
      throw new PduError(
        reason,
        `${field}: needs ${n} bytes at offset ${this.#offset}, ${this.remaining} left`,
      );
    }
  }

  u8(field: string, reason: AbortReason = 'invalid-pdu-parameter-value'): number {
    this.#need(1, field, reason);
    return this.buf.readUInt8(this.#offset++);
  }

  u16(field: string, reason: AbortReason = 'invalid-pdu-parameter-value'): number {
    this.#need(2, field, reason);
    const v = this.buf.readUInt16BE(this.#offset);
    this.#offset += 2;
    return v;
  }

  u32(field: string, reason: AbortReason = 'invalid-pdu-parameter-value'): number {
    this.#need(4, field, reason);
    const v = this.buf.readUInt32BE(this.#offset);
    this.#offset += 4;
    return v;
  }

  /** A view (no copy) of the next n bytes. */
  bytes(n: number, field: string, reason: AbortReason = 'invalid-pdu-parameter-value'): Buffer {
    this.#need(n, field, reason);
    const v = this.buf.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return v;
  }

  /** The next n bytes without copying them, also when they straddle received chunks. */
  view(n: number, field: string): Bytes {
    this.#need(n, field, 'invalid-pdu-parameter-value');
    const v = viewOf(this.buf, this.#offset, this.#offset + n);
    this.#offset += n;
    return v;
  }

  /** ASCII text of n bytes; trailing NULs and spaces stripped (PS3.8 9.3.2.2: UIDs may end with one NUL). */
  ascii(n: number, field: string): string {
    return this.bytes(n, field)
      .toString('latin1')
      .replace(/[\0 ]+$/, '');
  }

  skip(n: number, field: string): void {
    this.#need(n, field, 'invalid-pdu-parameter-value');
    this.#offset += n;
  }

  /** A sub-reader over the next n bytes, advancing this reader past them. */
  sub(n: number, field: string): ByteReader {
    this.#need(n, field, 'invalid-pdu-parameter-value');
    const r = new ByteReader(this.buf, this.#offset, this.#offset + n);
    this.#offset += n;
    return r;
  }
}
