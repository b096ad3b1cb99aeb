/**
 * At most `size` tasks run at once; up to `queue` more wait their turn, and beyond that a task is
 * refused at once (SlotsFull) rather than held: memory stays bounded whatever clients ask for.
 */
export class SlotsFull extends Error {
  override name = 'SlotsFull';
}

export class Slots {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    readonly size: number,
    readonly queue: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.size) {
      if (this.#waiting.length >= this.queue)
        throw new SlotsFull(`${this.#waiting.length} outputs already wait`);
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#running++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next task: #running stays as it is.
      if (next) next();
      else this.#running--;
    }
  }
}
