/** Print a film on a test Lightbox and wait until it is rendered: its id and directory. */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import type { FilmRecord } from '../../src/print/spool.js';
import { renderFilm } from '../../src/render/film.js';
import type { TestLightbox } from './lightbox.js';
import { type PrintSession, printFilm } from './print-session.js';

export const run = promisify(execFile);

export interface Rendered {
  id: string;
  dir: string;
}

export async function printRendered(lb: TestLightbox, o: PrintSession = {}): Promise<Rendered> {
  const before = new Set(lb.app.store.films.list({}, { limit: 1000, order: 'asc' }).items.map((f) => f.id));
  const printed = await printFilm(lb.dicomPort, o);
  expect(printed.status).toBe(0);
  await lb.app.rendering.idle();
  let id = '';
  await expect
    .poll(
      () => {
        const fresh = lb.app.store.films
          .list({}, { limit: 1000, order: 'asc' })
          .items.find((f) => !before.has(f.id));
        id = fresh?.render === 'rendered' ? fresh.id : '';
        return id;
      },
      { timeout: 30_000 },
    )
    .not.toBe('');
  return { id, dir: lb.app.store.filmFiles.local(id) };
}

/** Change film.json (annotations, stamp...) and render the film again in this process. */
export async function rerender(dir: string, change: (f: FilmRecord) => void): Promise<void> {
  const path = join(dir, 'film.json');
  const film = JSON.parse(readFileSync(path, 'utf8')) as FilmRecord;
  change(film);
  writeFileSync(path, JSON.stringify(film));
  await renderFilm(dir);
}
