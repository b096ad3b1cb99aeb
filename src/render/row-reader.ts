/**
 * An image box's stored rows read from its spooled file a strip at a time, in the order the
 * magnifier asks for them: a 40 MiB mammogram then costs a 1 MiB strip of memory instead of its
 * whole size. Reads are synchronous: the renderer runs in its own process, one film at a time,
 * and the magnifier's row pass pulls rows from inside its loop.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** About this many bytes per read (whole rows, at least one). */
const STRIP_BYTES = 1 << 20;

export class RowReader {
  readonly #fd: number;
  readonly #rowBytes: number;
  readonly #buffer: ArrayBuffer;
  readonly #rowsPerStrip: number;
  /** The image rows held: [#first, #first + #count). */
  #first = 0;
  #count = 0;
  /** The strip as the stored words: bytes, or 16-bit little-endian samples. */
  readonly words: Uint8Array | Uint16Array;

  constructor(
    path: string,
    readonly columns: number,
    readonly rows: number,
    bytesPerSample: 1 | 2,
  ) {
    this.#rowBytes = columns * bytesPerSample;
    this.#rowsPerStrip = Math.max(1, Math.min(rows, Math.floor(STRIP_BYTES / this.#rowBytes)));
    this.#buffer = new ArrayBuffer(this.#rowsPerStrip * this.#rowBytes);
    this.words = bytesPerSample === 1 ? new Uint8Array(this.#buffer) : new Uint16Array(this.#buffer);
    this.#fd = openSync(path, 'r');
  }

  /** Where image row `r` starts in `words` (reading its strip first if it is not held). */
  row(r: number): number {
    if (r < this.#first || r >= this.#first + this.#count) {
      const count = Math.min(this.#rowsPerStrip, this.rows - r);
      const want = count * this.#rowBytes;
      const bytes = new Uint8Array(this.#buffer, 0, want);
      let got = 0;
      while (got < want) {
        const n = readSync(this.#fd, bytes, got, want - got, r * this.#rowBytes + got);
        if (n === 0) break;
        got += n;
      }
      // A short file fails the row it lacks, not the strip that reaches past its end.
      if (got < this.#rowBytes) throw new Error(`image file ends before row ${r} of ${this.rows}`);
      this.#first = r;
      this.#count = Math.floor(got / this.#rowBytes);
    }
    return (r - this.#first) * this.columns;
  }

  close(): void {
    closeSync(this.#fd);
  }
}
