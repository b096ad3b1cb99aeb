/**
 * At most one pending retry per key (a peer address whose sockets are over their bound but still
 * young): asking again while one is pending changes nothing. Timers never keep the process alive.
 */
export class RetryLater {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  /** Run fn for key in ms, unless a retry for key is pending already. */
  once(key: string, ms: number, fn: () => void): void {
    if (this.#timers.has(key)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      fn();
    }, ms);
    timer.unref();
    this.#timers.set(key, timer);
  }

  /** Is a retry for key pending? */
  has(key: string): boolean {
    return this.#timers.has(key);
  }

  /** Drop every pending retry (shutting down). */
  clear(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}
