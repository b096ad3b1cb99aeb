/**
 * `lightbox print-film <film id> --to HOST:PORT:AE`: print a stored film on any printer (a test
 * pattern until the QA patterns exist), from the store in --data-dir; the printer's answers are
 * shown per message and kept as an outbound run. Exit 0 printed, 1 the printer answered a
 * failure or could not be reached, 2 usage error.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { statusHex } from '../dicom/dimse/status.js';
import { sopClassName } from '../dicom/uids.js';
import { Store } from '../store/store.js';
import { judge } from './forwarder.js';
import { printStoredFilm } from './print-film.js';
import { ReplayUsageError } from './replay-command.js';
import { parseTarget } from './target.js';

export const PRINT_FILM_USAGE = `usage: lightbox print-film <film id> --to HOST:PORT:AE [--calling AE] [--data-dir DIR] [--json]

Prints a film Lightbox stored on another printer: its film session, film box, image boxes with
their pixels, annotations, N-ACTION, N-DELETE. --data-dir as for the server (default
$LIGHTBOX_DATA_DIR or ./var). Exit status: 0 printed, 1 not printed, 2 error.`;

export async function printFilmCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  out: NodeJS.WritableStream,
): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean' },
        to: { type: 'string' },
        calling: { type: 'string' },
        'data-dir': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
  } catch (e) {
    throw new ReplayUsageError((e as Error).message.split('\n')[0]!);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v['help']) {
    out.write(`${PRINT_FILM_USAGE}\n`);
    return 0;
  }
  const [filmId, ...extra] = parsed.positionals;
  if (!filmId || extra.length > 0) throw new ReplayUsageError('give one film id');
  if (typeof v['to'] !== 'string') throw new ReplayUsageError('--to HOST:PORT:AE is required');
  const target = parseTarget(v['to']);
  const dataDir = resolve(cwd, (v['data-dir'] as string | undefined) ?? env['LIGHTBOX_DATA_DIR'] ?? './var');
  if (!existsSync(dataDir)) throw new ReplayUsageError(`no data directory ${dataDir}`);
  const store = new Store(dataDir);
  try {
    if (!store.films.get(filmId)) throw new ReplayUsageError(`no film ${filmId} in ${dataDir}`);
    const { run, source, associationId } = await printStoredFilm(store, filmId, target, {
      ...(typeof v['calling'] === 'string' ? { callingAeTitle: v['calling'] } : {}),
    });
    const verdict = judge(run);
    const ok = verdict.result === 'done';
    const id = store.outbound.add({
      kind: 'print',
      source,
      target: run.target,
      filmId,
      ...(associationId ? { associationId } : {}),
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      ok,
      outcome: verdict.detail,
      report: run,
    });
    if (v['json']) out.write(`${JSON.stringify({ id, ok, outcome: verdict.detail, ...run }, null, 1)}\n`);
    else {
      const lines = [`${source} to ${run.target}: ${verdict.detail} (kept as ${id})`];
      for (const s of run.steps)
        lines.push(
          `  #${String(s.index).padStart(3)} ${s.operation.padEnd(8)} ${sopClassName(s.sopClassUid).padEnd(26)} ${s.status === undefined ? (s.skipped ?? s.error ?? '') : statusHex(s.status)}${s.errorComment ? ` ${s.errorComment}` : ''}`,
        );
      out.write(`${lines.join('\n')}\n`);
    }
    return ok ? 0 : 1;
  } finally {
    store.close();
  }
}
