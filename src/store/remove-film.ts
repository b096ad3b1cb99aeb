/**
 * Removing a film from the store: its directory (FilmFiles.remove, crash-safe) and then its index
 * row with the curve analyses linked to it, logged and published. DELETE /api/films/{id} and retention both come through here.
 */
import type { EventBus } from '../events.js';
import type { FilmSummary } from './film-index.js';
import type { Store } from './store.js';

export interface Removed {
  /** Short, for the film.removed event and the metric label: 'api', 'max-age', 'max-films', 'max-bytes'. */
  reason: string;
  /** For the log line: 'deleted over the API', 'retention: max-films 500'. */
  detail: string;
}

interface Log {
  info(o: object, msg: string): void;
}

/** Remove a film; resolves with what it was, or undefined when there was no such film. */
export async function removeFilm(
  store: Store,
  id: string,
  why: Removed,
  o: { events?: EventBus; log: Log },
): Promise<FilmSummary | undefined> {
  const f = store.films.get(id);
  if (!f) return undefined;
  await store.filmFiles.remove(f.id);
  // Someone else (the API, retention) may have removed it meanwhile: tell the world only once.
  // Its curve analyses go with its index row, at once.
  const removed = store.db.transaction(() => {
    store.curves.removeForFilm(f.id);
    return store.films.remove(f.id);
  })();
  if (!removed) return f;
  o.log.info({ film: f.id, printer: f.printer, reason: why.detail }, 'film removed');
  o.events?.publish({ type: 'film.removed', film: f.id, printer: f.printer, reason: why.reason });
  return f;
}
