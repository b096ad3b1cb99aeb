/**
 * `lightbox print-film <film id> --to HOST:PORT:AE`: print a stored film on any printer, from the
 * store in --data-dir (or --database); the printer's answers are shown per message and kept as
 * an outbound run.
 * Exit 0 printed, 1 the printer answered a failure or could not be reached, 2 usage error.
 */
import { existsSync } from 'node:fs';
import { Store } from '../store/store.js';
import { printStoredFilm } from './print-film.js';
import { keepPrintRun, printRunText } from './print-run.js';
import { parseSendArgs, runOptionsOf, storeName, storeOptionsOf, UsageError } from './send-args.js';

export const PRINT_FILM_USAGE = `usage: lightbox print-film <film id> --to HOST:PORT:AE [--calling AE] [--timeout-ms N] [--data-dir DIR] [--database DB] [--json]

Prints a film Lightbox stored on another printer: its film session, film box, image boxes with
their pixels, annotations, N-ACTION, N-DELETE. --data-dir as for the server (default
$LIGHTBOX_DATA_DIR or ./var); --database too (a SQLite file, or a pool's postgres:// URL; default
$LIGHTBOX_DATABASE, else lightbox.db in --data-dir). Exit status: 0 printed, 1 not printed, 2 error.`;

export async function printFilmCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  out: NodeJS.WritableStream,
): Promise<number> {
  const a = parseSendArgs(argv, env, cwd, { json: { type: 'boolean' } });
  if (a.help) {
    out.write(`${PRINT_FILM_USAGE}\n`);
    return 0;
  }
  const [filmId, ...extra] = a.positionals;
  if (!filmId || extra.length > 0) throw new UsageError('give one film id');
  if (!existsSync(a.dataDir)) throw new UsageError(`no data directory ${a.dataDir}`);
  const store = new Store(a.dataDir, storeOptionsOf(a));
  try {
    if (!store.films.get(filmId)) throw new UsageError(`no film ${filmId} in ${storeName(a)}`);
    const { run, source, associationId } = await printStoredFilm(store, filmId, a.target, runOptionsOf(a));
    const kept = keepPrintRun(store, run, { source, filmId, ...(associationId ? { associationId } : {}) });
    out.write(
      a.values['json'] ? `${JSON.stringify({ ...kept, ...run }, null, 1)}\n` : printRunText(run, kept),
    );
    return kept.ok ? 0 : 1;
  } finally {
    store.close();
  }
}
