/**
 * Renders printed films in child processes (render-process.ts), so neither the N-ACTION response
 * nor other associations wait for it, and a bad image fails its film (render.json says why) without
 * taking the server down: full-size films one at a time at idle CPU priority, and each film's
 * preview (its thumbnail) first, in a second process at nice 10, so a preview never
 * waits behind another film. Under vitest (TypeScript sources, no compiled child file) both run
 * in-process instead, each on its own queue; the compiled server always uses the child processes.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { PreviewRecord, RenderRecord } from './film.js';
import { type ChildAnswer, RenderChild, type RenderRequest } from './render-child.js';
import { writeAtomic } from './write-atomic.js';

/** How one render ended: its record, or why it failed. */
export type RenderOutcome = { record: RenderRecord } | { error: string };
/** How one preview ended. */
export type PreviewOutcome = { preview: PreviewRecord } | { error: string };

export class Renderer {
  readonly #inline = import.meta.url.endsWith('.ts');
  readonly #films: RenderChild;
  readonly #previews: RenderChild;
  readonly #inlineQueues = {
    film: Promise.resolve() as Promise<unknown>,
    preview: Promise.resolve() as Promise<unknown>,
  };

  constructor(readonly log: Logger) {
    this.#films = new RenderChild('render', true, log);
    this.#previews = new RenderChild('preview', false, log);
  }

  /**
   * Start the render processes now rather than at the first film: forking a process costs the
   * event loop some 10 ms, which belongs to start-up, not to a modality's print.
   */
  start(): void {
    if (this.#inline) return;
    this.#films.start();
    this.#previews.start();
  }

  /** In-process, under vitest: sharp loaded on demand (it stays out of the DICOM thread's memory otherwise). */
  #runInline(r: RenderRequest): Promise<ChildAnswer> {
    // density.png is made where previews are (nice 10: someone waits for it).
    const queue = r.kind === 'film' ? 'film' : 'preview';
    const run = this.#inlineQueues[queue]
      .then(() => import('./film.js'))
      .then((m) =>
        r.kind === 'preview'
          ? m.renderPreview(r.dir)
          : r.kind === 'density'
            ? m.renderDensity(r.dir)
            : m.renderFilm(r.dir, { thumb: r.thumb, density: r.density }),
      );
    this.#inlineQueues[queue] = run.then(
      () => undefined,
      () => undefined,
    );
    return run.then(
      (result): ChildAnswer => ({ result }),
      (e: unknown): ChildAnswer => ({ error: (e as Error).stack ?? String(e) }),
    );
  }

  #request(r: RenderRequest): Promise<ChildAnswer> {
    if (this.#inline) return this.#runInline(r);
    return (r.kind === 'film' ? this.#films : this.#previews).request(r);
  }

  /**
   * Render a spooled film directory; `thumb: false` when its preview has written thumb.png,
   * `density: false` to leave density.png to its first request (density()).
   */
  async render(dir: string, o: { thumb?: boolean; density?: boolean } = {}): Promise<RenderOutcome> {
    const a = await this.#request({
      kind: 'film',
      dir,
      thumb: o.thumb !== false,
      density: o.density !== false,
    });
    if ('error' in a) {
      this.log.error({ film: dir, err: a.error.split('\n')[0] }, 'film rendering failed');
      // Best effort (the disk may be full): the index records the failure whatever happens here.
      await writeAtomic(
        join(dir, 'render.json'),
        JSON.stringify({ format: 'lightbox-render/1', failed: true, error: a.error }),
      ).catch(() => undefined);
      return { error: a.error };
    }
    const record = a.result as RenderRecord;
    this.log.info({ film: dir, ms: record.ms }, 'film rendered');
    return { record };
  }

  /** Write a film's thumb.png from a thumbnail-sized composition (before the film itself). */
  async preview(dir: string): Promise<PreviewOutcome> {
    const a = await this.#request({ kind: 'preview', dir });
    if ('error' in a) {
      // The film's own render still writes a thumbnail: nothing is lost but time.
      this.log.warn({ film: dir, err: a.error.split('\n')[0] }, 'film preview failed');
      return { error: a.error };
    }
    return { preview: a.result as PreviewRecord };
  }

  /** Write a rendered film's density.png (it was rendered without it). */
  async density(dir: string): Promise<{ ms: number } | { error: string }> {
    const a = await this.#request({ kind: 'density', dir });
    return 'error' in a ? a : (a.result as { ms: number });
  }

  /** The render processes' ids (tests). */
  get pids(): { render?: number; preview?: number } {
    return { render: this.#films.pid, preview: this.#previews.pid };
  }

  async stop(): Promise<void> {
    await Promise.all([this.#films.stop(), this.#previews.stop()]);
  }
}
