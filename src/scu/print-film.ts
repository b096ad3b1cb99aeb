/**
 * A stored film printed to any printer (a real one, or another Lightbox): what tee mode sends for
 * each film, and what POST /api/films/{id}/print and `lightbox print-film` send on request. The
 * Film Session and Film Box go as the modality asked for them when its association record is
 * still there, else as the film records them.
 */
import type { Store } from '../store/store.js';
import { planFromFilm } from './film-plan.js';
import { filmPixels, readFilm } from './film-source.js';
import { recordedToDataset } from './recorded-dataset.js';
import { requestedAttributes } from './replay-plan.js';
import { type RunOptions, type RunResult, runPlan } from './runner.js';
import type { Target } from './target.js';

export interface FilmRun {
  run: RunResult;
  /** The association that printed the film here, if known. */
  associationId?: string;
  source: string;
}

export async function printStoredFilm(
  store: Store,
  filmId: string,
  target: Target,
  o: RunOptions & { callingAeTitle?: string } = {},
): Promise<FilmRun> {
  const film = readFilm(store.filmFiles, filmId);
  const record = film.associationId ? store.associations.get(film.associationId) : undefined;
  const asked = record ? requestedAttributes(record, film.filmBox.uid) : {};
  const notes: string[] = [];
  const plan = planFromFilm({
    id: filmId,
    film,
    pixels: filmPixels(store.filmFiles, filmId, film),
    requested: {
      ...(asked.filmSession ? { filmSession: recordedToDataset(asked.filmSession, {}, notes) } : {}),
      ...(asked.filmBox ? { filmBox: recordedToDataset(asked.filmBox, {}, notes) } : {}),
    },
    callingAeTitle: o.callingAeTitle ?? film.printer.aeTitle,
  });
  const run = await runPlan(plan, target, o);
  return { run, source: plan.source, ...(film.associationId ? { associationId: film.associationId } : {}) };
}
