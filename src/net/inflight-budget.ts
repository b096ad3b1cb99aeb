/**
 * The in-flight budget (--max-inflight): bytes of DIMSE data sets held in memory across every
 * association, from their first fragment until the message is handled. Pixel data streamed to a
 * staging file does not count (it is not in memory); what does is everything held whole: other
 * messages' data sets, the attributes around an image, data sets we cannot stream.
 *
 * Beyond it: the data set is dropped as it arrives and its message answered 0xC605 (image box
 * N-SET) or 0x0213, and, while less than a sixteenth of it is free, new associations get
 * A-ASSOCIATE-RJ transient, temporary congestion. Never an out-of-memory crash.
 */
import type { MemoryBudget } from '../dicom/dimse/assembler.js';

export class InflightBudget implements MemoryBudget {
  #used = 0;
  #peak = 0;
  #refused = 0;

  constructor(readonly limit: number) {}

  take(n: number): boolean {
    if (this.#used + n > this.limit) {
      this.#refused++;
      return false;
    }
    this.#used += n;
    if (this.#used > this.#peak) this.#peak = this.#used;
    return true;
  }

  give(n: number): void {
    this.#used = Math.max(0, this.#used - n);
  }

  get used(): number {
    return this.#used;
  }

  /** The most held at once since start. */
  get peak(): number {
    return this.#peak;
  }

  /** Data sets refused for want of room since start. */
  get refused(): number {
    return this.#refused;
  }

  /** Too little left for a new association to do anything: it is turned away for now. */
  get congested(): boolean {
    return this.limit - this.#used < this.limit / 16;
  }
}
