/**
 * The in-flight budget (--max-inflight): bytes of DIMSE data sets held in memory across every
 * association, from their first fragment until the message is handled: everything held whole (other
 * messages' data sets, the attributes around an image, data sets we cannot stream) and, for pixel
 * data streamed to a staging file, the bytes received and not yet written (at most the staging
 * file's high water per image: the socket pauses there).
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

  /**
   * n bytes already in memory and bounded elsewhere (a staging file's write queue): counted, so
   * what comes next sees less room, but never refused.
   */
  charge(n: number): void {
    this.#used += n;
    if (this.#used > this.#peak) this.#peak = this.#used;
  }

  /**
   * How many bytes a new staging file may queue before its sender pauses: a sixteenth of what is
   * free, between 256 KiB and `most` (its usual high water). A tight budget streams with small
   * queues rather than refusing data sets for bytes that are only waiting for the disk.
   */
  queueAllowance(most: number): number {
    const least = Math.min(most, 256 * 1024);
    return Math.max(least, Math.min(most, Math.floor((this.limit - this.#used) / 16)));
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
