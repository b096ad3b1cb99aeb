/**
 * Film thumbnails kept in memory, newest use last, up to a byte budget. The console's film list asks
 * for a hundred of them at a time; streamed from disk, each costs open, reads and close callbacks
 * on the event loop DICOM runs on (bench:store: a C-ECHO's round trip grew 9x under 50 thumbnail
 * requests in flight). From memory a thumbnail is one write.
 */
export class ThumbCache {
  readonly #entries = new Map<string, Buffer>();
  #bytes = 0;

  constructor(readonly maxBytes: number) {}

  get(id: string): Buffer | undefined {
    const b = this.#entries.get(id);
    if (b) {
      // Most recently used last: Map keeps insertion order.
      this.#entries.delete(id);
      this.#entries.set(id, b);
    }
    return b;
  }

  set(id: string, b: Buffer): void {
    if (b.length > this.maxBytes) return;
    this.delete(id);
    this.#entries.set(id, b);
    this.#bytes += b.length;
    for (const [old, ob] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(old);
      this.#bytes -= ob.length;
    }
  }

  delete(id: string): void {
    const b = this.#entries.get(id);
    if (!b) return;
    this.#entries.delete(id);
    this.#bytes -= b.length;
  }

  get bytes(): number {
    return this.#bytes;
  }
}
