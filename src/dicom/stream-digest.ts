/**
 * SHA-256 of a value that arrives in parts (a streamed Pixel Data), finished off the answer's path.
 * The parts (views of received chunks, never mutated) are queued and hashed once the value has
 * ended, on the next turn of the event loop, after the message that carried them is answered; or at
 * once when someone reads the digest first. Beyond DEFER_MAX queued bytes they are hashed as they
 * come, so what the queue keeps alive stays bounded and a large image is hashed while it arrives.
 *
 * Why: hashing each 0.5 MB image box as it arrived held up every N-SET's answer by ~0.3 ms on the
 * main thread (W1: 20 of them per film), while the modality then spends 4–7 ms building its next
 * request, time in which the printer is idle.
 */
import { createHash } from 'node:crypto';

/** Queued bytes beyond which parts are hashed as they arrive. */
export const DEFER_MAX = 1024 * 1024;

export class StreamDigest {
  readonly #hash = createHash('sha256');
  #queue: Buffer[] = [];
  #queued = 0;
  #ended = false;
  #dropped = false;
  #hex: string | undefined;

  update(part: Buffer): void {
    if (this.#dropped) return;
    this.#queue.push(part);
    this.#queued += part.length;
    if (this.#queued > DEFER_MAX) this.#drain();
  }

  /** Every part is in: the digest is finished on the next turn of the event loop, or when read. */
  end(): void {
    if (this.#ended || this.#dropped) return;
    this.#ended = true;
    setImmediate(() => this.#settle());
  }

  /** The value will not be kept: no digest, and the queued parts are let go. */
  drop(): void {
    this.#dropped = true;
    this.#queue = [];
    this.#queued = 0;
  }

  /** Bytes queued and not hashed yet. */
  get queued(): number {
    return this.#queued;
  }

  /** The hex digest, once every part is in (undefined before, or when dropped). */
  get hex(): string | undefined {
    this.#settle();
    return this.#hex;
  }

  #drain(): void {
    for (const p of this.#queue) this.#hash.update(p);
    this.#queue = [];
    this.#queued = 0;
  }

  #settle(): void {
    if (!this.#ended || this.#dropped || this.#hex !== undefined) return;
    this.#drain();
    this.#hex = this.#hash.digest('hex');
  }
}
