/**
 * One run of an async job at a time. A call while it runs asks for one more run after it (however
 * many calls came meanwhile) and resolves with that run's result, so every caller sees a run that
 * started after its call. The disk-space watcher and retention both run this way.
 */
export class SerialRun<T> {
  #running: Promise<T> | undefined;
  #again = false;
  #stopped = false;

  /** `idle`: the answer when there is no run to wait for (stopped, or the run asked for was skipped). */
  constructor(
    readonly job: () => Promise<T>,
    readonly idle: () => T,
  ) {}

  get stopped(): boolean {
    return this.#stopped;
  }

  run(): Promise<T> {
    if (this.#stopped) return Promise.resolve(this.idle());
    if (this.#running) {
      this.#again = true;
      return this.#running.then(() => this.#running ?? this.idle());
    }
    this.#running = this.job().finally(() => {
      this.#running = undefined;
      if (this.#again && !this.#stopped) {
        this.#again = false;
        void this.run();
      }
    });
    return this.#running;
  }

  /** No run after this; resolves once the one running (if any) is over. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }
}
