/**
 * Renders printed films in a worker thread, one at a time, so neither the N-ACTION response nor
 * other associations wait for it, and a bad image fails its film (render.json says why) without
 * taking the server down. Under vitest (TypeScript sources, no compiled worker file) it renders
 * in-process instead; the compiled server always uses the worker.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { RenderRecord } from './film.js';
import { writeAtomic } from './write-atomic.js';

/** How one render ended: its record, or why it failed. */
export type RenderOutcome = { record: RenderRecord } | { error: string };

interface Pending {
  resolve: (r: RenderOutcome) => void;
  dir: string;
}

export class Renderer {
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  readonly #inline = import.meta.url.endsWith('.ts');
  #inlineQueue: Promise<unknown> = Promise.resolve();

  constructor(readonly log: Logger) {}

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const w = new Worker(new URL('./render-worker.js', import.meta.url));
    w.on('message', (m: { id: number; record?: RenderRecord; error?: string }) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (m.error || !m.record) void this.#failed(p, m.error ?? 'no render record');
      else {
        this.log.info({ film: p.dir, ms: m.record.ms }, 'film rendered');
        p.resolve({ record: m.record });
      }
    });
    w.on('error', (e) => {
      this.log.error({ err: e.message }, 'render worker crashed; restarting on the next film');
      for (const p of this.#pending.values()) void this.#failed(p, `render worker crashed: ${e.message}`);
      this.#pending.clear();
      this.#worker = undefined;
    });
    w.unref();
    this.#worker = w;
    return w;
  }

  async #failed(p: Pending, error: string): Promise<void> {
    this.log.error({ film: p.dir, err: error.split('\n')[0] }, 'film rendering failed');
    // Best effort (the disk may be full): the index records the failure whatever happens here.
    await writeAtomic(
      join(p.dir, 'render.json'),
      JSON.stringify({ format: 'lightbox-render/1', failed: true, error }),
    ).catch(() => undefined);
    p.resolve({ error });
  }

  /** Render a spooled film directory. */
  render(dir: string): Promise<RenderOutcome> {
    if (this.#inline) {
      // Loaded on demand (sharp stays out of the DICOM thread's memory); one film at a time, like the worker.
      const run = this.#inlineQueue.then(() => import('./film.js')).then((m) => m.renderFilm(dir));
      this.#inlineQueue = run.then(
        () => undefined,
        () => undefined,
      );
      return run.then(
        (record): RenderOutcome => ({ record }),
        (e: unknown) =>
          new Promise<RenderOutcome>((resolve) => {
            void this.#failed({ dir, resolve }, (e as Error).stack ?? String(e));
          }),
      );
    }
    return new Promise((resolve) => {
      const id = ++this.#seq;
      this.#pending.set(id, { resolve, dir });
      this.#start().postMessage({ id, dir });
    });
  }

  async stop(): Promise<void> {
    await this.#worker?.terminate();
    this.#worker = undefined;
  }
}
