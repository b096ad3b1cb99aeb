/**
 * Film-sized buffers kept from one film for the next. A 14x17 in film's density canvas is 49 MB
 * and its 8-bit view 24 MB; allocated afresh, every page of them is faulted in again on first
 * touch (bench:render: 181 ms for the canvas alone on the 2-core VM), once per film. A process
 * renders one film at a time, so a couple of buffers serve them all; a buffer taken while the
 * pool is empty (two renders at once in-process, under test) is simply new. A buffer kept is
 * lent to whatever needs no more than its size (a preview's whole mammogram file fits in the last
 * film's canvas); kept buffers too small for a request are freed then and there (detached), not
 * left beside the new one until a garbage collection. A canvas that a helper thread writes into
 * too is shared memory (a SharedArrayBuffer: dropped, not freed, when too small: it cannot be
 * detached).
 */
export class BufferPool {
  readonly #free: ArrayBufferLike[] = [];

  /** Buffers below this size are not worth keeping (a preview's). */
  constructor(
    readonly minBytes: number,
    readonly maxKept: number,
  ) {}

  /** A buffer of at least `bytes`, its contents undefined; `shared`: a SharedArrayBuffer. */
  take(bytes: number, shared = false): ArrayBufferLike {
    if (bytes >= this.minBytes) {
      let best = -1;
      for (let i = 0; i < this.#free.length; i++) {
        const b = this.#free[i]!;
        if (b.byteLength < bytes || (shared && !(b instanceof SharedArrayBuffer))) continue;
        if (best < 0 || b.byteLength < this.#free[best]!.byteLength) best = i;
      }
      if (best >= 0) return this.#free.splice(best, 1)[0]!;
      for (const b of this.#free.splice(0)) detach(b);
    }
    return shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  }

  /** Give a buffer back once nothing reads it any more; the largest ones are kept. */
  give(b: ArrayBufferLike): void {
    if (b.byteLength < this.minBytes) return;
    this.#free.push(b);
    this.#free.sort((x, y) => y.byteLength - x.byteLength);
    for (const dropped of this.#free.splice(this.maxKept)) detach(dropped);
  }
}

/** Free a buffer's memory now (ES2024 transfer(0) detaches it; any view left on it reads as empty). */
function detach(b: ArrayBufferLike): void {
  if (b instanceof ArrayBuffer) (b as ArrayBuffer & { transfer(length: number): ArrayBuffer }).transfer(0);
}
