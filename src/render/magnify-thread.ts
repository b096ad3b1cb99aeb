/**
 * A second thread for the film's enlargements: a box's rows are split between the film's own
 * thread and this one, both writing into a canvas in shared memory. sharp already runs its own
 * work on two threads; the enlargement, done in JavaScript, was the part of a film that used one
 * core. The film renderer turns it on (render-process.ts); it runs at the process's priority (a
 * thread inherits its creator's scheduling policy and nice value on Linux).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HelperAnswer, HelperRequest } from './magnify-helper.js';
import type { MagnifyJob } from './magnify-job.js';

export class MagnifyThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  #next = 0;
  #failed: Error | undefined;
  /** Shares of enlargements it has been sent (tests, benches). */
  shares = 0;

  private constructor(script: URL) {
    // Its allocations are a few rows per share: a small young generation keeps its heap small.
    this.#worker = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: 2 } });
    this.#worker.on('message', (a: HelperAnswer) => {
      const w = this.#waiting.get(a.id);
      this.#waiting.delete(a.id);
      if (this.#waiting.size === 0) this.#worker.unref();
      if (a.error) w?.reject(new Error(a.error));
      else w?.resolve();
    });
    const fail = (e: Error) => {
      this.#failed = e;
      for (const w of this.#waiting.values()) w.reject(e);
      this.#waiting.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`magnify thread exited (code ${code})`)));
    // It keeps the process alive only while it has work (unref after the listeners: adding one refs it).
    this.#worker.unref();
  }

  /**
   * The helper, on a machine with more than one core, from compiled code (the worker's script is
   * JavaScript: under vitest's TypeScript sources there is none, and films render on one thread).
   */
  static start(): MagnifyThread | undefined {
    if (availableParallelism() < 2 || !import.meta.url.endsWith('.js')) return undefined;
    return new MagnifyThread(new URL('./magnify-helper.js', import.meta.url));
  }

  /** Is the thread still there to take work? (Once it failed, films render on one thread.) */
  get alive(): boolean {
    return this.#failed === undefined;
  }

  /** Run a share of an enlargement into `canvas` (and `view`) on the helper thread. */
  run(job: MagnifyJob, canvas: SharedArrayBuffer, view?: HelperRequest['view']): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    this.shares++;
    return new Promise((resolve, reject) => {
      if (this.#waiting.size === 0) this.#worker.ref();
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ id, job, canvas, ...(view ? { view } : {}) } satisfies HelperRequest);
    });
  }

  async stop(): Promise<void> {
    await this.#worker.terminate();
  }
}
