/**
 * A binary value that was never held in memory: its bytes went to a sink (a staging file) while
 * they arrived, and the data set holds this in their place. Why: a 200 MB Pixel Data held whole per
 * association is what made memory grow with image size and association count (issue 16).
 *
 * Whoever uses the value claims its sink (the image box keeps the staged file); one nobody claimed
 * is aborted by the connection once the message is handled, so its bytes do not outlive it.
 */

/** Where a spilled value's bytes go, in order, as they arrive. */
export interface ValueSink {
  /** The next bytes of the value (views into received chunks: copy or write them, do not mutate). */
  write(part: Buffer): void;
  /** Every byte of the value was written. */
  end(): void;
  /** The value will not be used (a parse error, a limit, the association ended): drop its bytes. */
  abort(): void;
}

/** A digest of the bytes, finished when first read (see stream-digest.ts). */
export interface ValueDigest {
  readonly hex: string | undefined;
}

export class SpilledValue {
  #claimed = false;

  constructor(
    /** The value's length in bytes, as its element header announced it. */
    readonly length: number,
    readonly sink: ValueSink,
    /** SHA-256 of the bytes, taken while they went to the sink. */
    readonly digest?: ValueDigest,
  ) {}

  get claimed(): boolean {
    return this.#claimed;
  }

  /** Take ownership of the bytes: the connection will no longer abort the sink. */
  claim(): ValueSink {
    this.#claimed = true;
    return this.sink;
  }
}
