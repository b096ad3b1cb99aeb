/**
 * Reads stored films for the SCU: film.json and the image boxes' pixel files, the bytes a replay
 * or a forward sends again. A pixel file whose size is not the recorded one is not used (the
 * report says the pixels were made up instead of sending something else silently).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FilmRecord } from '../print/spool.js';
import type { FilmFiles } from '../store/film-files.js';
import type { ReplaySources } from './replay-plan.js';

export class FilmReadError extends Error {
  override name = 'FilmReadError';
}

/** A film's record, checked enough to be sent from. */
export function readFilm(files: FilmFiles, id: string): FilmRecord {
  let film: FilmRecord;
  try {
    film = JSON.parse(readFileSync(join(files.local(id), 'film.json'), 'utf8')) as FilmRecord;
  } catch (e) {
    throw new FilmReadError(`film ${id}: film.json unreadable: ${(e as Error).message.split('\n')[0]}`);
  }
  if (film?.format !== 'lightbox-film/1' || !Array.isArray(film.imageBoxes) || !film.filmBox?.uid)
    throw new FilmReadError(`film ${id}: film.json is not a lightbox-film/1 record`);
  return film;
}

/** An image box's pixels by position; throws when its file is missing or of another size. */
export function filmPixels(files: FilmFiles, id: string, film: FilmRecord): (position: number) => Uint8Array {
  return (position) => {
    const box = film.imageBoxes.find((b) => b.position === position);
    if (!box?.image) throw new FilmReadError(`film ${id}: image box ${position} has no image`);
    const bytes = readFileSync(join(files.local(id), box.image.file));
    if (bytes.length !== box.image.bytes)
      throw new FilmReadError(
        `film ${id}: ${box.image.file} holds ${bytes.length} bytes, not ${box.image.bytes}`,
      );
    return bytes;
  };
}

/** Pixels and LUT data for replaying an association, from the films it printed. */
export function replaySources(files: FilmFiles, filmIds: readonly string[]): ReplaySources {
  const boxes = new Map<string, { path: string; bytes: number }>();
  let lut: number[] | undefined;
  for (const id of filmIds) {
    let film: FilmRecord;
    try {
      film = readFilm(files, id);
    } catch {
      continue; // a broken film: its pixels are made up, and the report says so
    }
    lut ??= film.presentationLut?.data;
    for (const b of film.imageBoxes)
      if (b.image) boxes.set(b.uid, { path: join(files.local(id), b.image.file), bytes: b.image.bytes });
  }
  return {
    pixels(uid, bytes) {
      const f = boxes.get(uid);
      if (!f || f.bytes !== bytes) return undefined;
      try {
        if (statSync(f.path).size !== bytes) return undefined;
        return readFileSync(f.path);
      } catch {
        return undefined;
      }
    },
    lutData: () => lut,
  };
}
