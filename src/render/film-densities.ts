/**
 * density.png made on its first request. Only QA tools read a film's 16-bit densities (density
 * reports, diffs in OD, 16-bit DICOM, the file itself), so the printer renders films without it:
 * W1's costs 0.28 s of a render's encodes and 13 MB of its 31 MB on disk. The first request
 * composes the film again in the preview process (nice 10, above the film renderer: someone waits) and
 * writes it under a temporary name and renames it, so it stays for every later request and
 * restart; the film's bytes in the index grow with it (retention counts them).
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { Renderer } from './renderer.js';

/** More films waiting for their density.png than this: refused at once, to be asked again. */
const MAX_WAITING = 8;

export class DensitiesBusy extends Error {
  override name = 'DensitiesBusy';
}

export class FilmDensities {
  readonly #making = new Map<string, Promise<void>>();

  constructor(
    readonly renderer: Renderer,
    readonly store: Store,
    readonly log: Logger,
  ) {}

  /** Resolves once the film's density.png exists; rejects when it cannot be made (DensitiesBusy: later). */
  ensure(id: string): Promise<void> {
    const pending = this.#making.get(id);
    if (pending) return pending;
    // A film not rendered (yet, or at all) has no density map to make: its readers say so.
    if (this.store.films.get(id)?.render !== 'rendered') return Promise.resolve();
    const dir = this.store.filmFiles.local(id);
    const run = access(join(dir, 'density.png')).catch(() => {
      if (this.#making.size > MAX_WAITING)
        throw new DensitiesBusy(`${this.#making.size} density maps are being made; try again shortly`);
      return this.#make(id, dir);
    });
    this.#making.set(id, run);
    return run.finally(() => this.#making.delete(id));
  }

  async #make(id: string, dir: string): Promise<void> {
    const r = await this.renderer.density(dir);
    if ('error' in r) throw new Error(`density.png of film ${id} not made: ${r.error.split('\n')[0]}`);
    this.log.info({ film: id, ms: r.ms }, 'density.png made on its first request');
    const bytes = await this.store.filmFiles.bytes(id).catch(() => undefined);
    if (bytes !== undefined && this.store.films.get(id)?.render === 'rendered')
      this.store.films.setRender(id, 'rendered', undefined, bytes);
  }
}
