/**
 * The printed films in a data directory, found again after a restart: what the HTTP API lists.
 * Reads each film's film.json (and render.json when rendering finished); half-written films
 * (.tmp-*) and unreadable ones are skipped, never fatal.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FilmRecord } from './spool.js';

export interface FilmSummary {
  id: string;
  dir: string;
  printer: string;
  callingAeTitle: string;
  jobUid: string;
  printedAt: string;
  imageBoxes: number;
  /** 'rendered', 'failed' (render.json says why) or 'pending'. */
  render: 'rendered' | 'failed' | 'pending';
}

export function listFilms(dataDir: string): FilmSummary[] {
  const films = join(dataDir, 'films');
  if (!existsSync(films)) return [];
  const out: FilmSummary[] = [];
  for (const id of readdirSync(films)) {
    if (id.startsWith('.')) continue;
    const dir = join(films, id);
    let f: FilmRecord;
    try {
      f = JSON.parse(readFileSync(join(dir, 'film.json'), 'utf8')) as FilmRecord;
    } catch {
      continue;
    }
    let render: FilmSummary['render'] = 'pending';
    try {
      render = (JSON.parse(readFileSync(join(dir, 'render.json'), 'utf8')) as { failed?: boolean }).failed
        ? 'failed'
        : 'rendered';
    } catch {
      // not rendered (yet)
    }
    out.push({
      id,
      dir,
      printer: f.printer.aeTitle,
      callingAeTitle: f.callingAeTitle,
      jobUid: f.job.uid,
      printedAt: f.printedAt,
      imageBoxes: f.imageBoxes.filter((b) => b.image).length,
      render,
    });
  }
  return out.sort((a, b) => a.printedAt.localeCompare(b.printedAt));
}
