/** Growable big-endian writer; parts are concatenated once at the end. */
export class ByteWriter {
  readonly #parts: Buffer[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  u8(v: number): this {
    const b = Buffer.allocUnsafe(1);
    b.writeUInt8(v);
    return this.raw(b);
  }

  u16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(v);
    return this.raw(b);
  }

  u32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v);
    return this.raw(b);
  }

  zeros(n: number): this {
    return this.raw(Buffer.alloc(n));
  }

  ascii(s: string): this {
    return this.raw(Buffer.from(s, 'latin1'));
  }

  /** An AE title field: exactly 16 bytes, space padded (PS3.8 9.3.2). */
  aeTitle(s: string): this {
    const b = Buffer.alloc(16, 0x20);
    b.write(s.slice(0, 16), 'latin1');
    return this.raw(b);
  }

  raw(b: Buffer): this {
    this.#parts.push(b);
    this.#length += b.length;
    return this;
  }

  toBuffer(): Buffer {
    return this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#length);
  }
}
