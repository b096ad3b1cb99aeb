/**
 * `lightbox replay <association id | conversation.json> --to HOST:PORT:AE`: send a recorded
 * session again to any printer and show how its answers differ from the original's.
 *
 * An association id is read from the store in --data-dir (or --database: a pool's PostgreSQL), its
 * pixels from its films, and the report is kept there too, as the API's replays are. A
 * conversation.json (GET .../conversation.json) is read from the file; its pixels come from
 * --data-dir's films of that association when they are there, else a made-up pattern of the
 * recorded size (the report says so).
 *
 * Exit codes: 0 every answer as the original's, 1 some differ, 2 usage error or no association.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { statusHex } from '../dicom/dimse/status.js';
import type { AssociationSummary } from '../store/association-record.js';
import { Store } from '../store/store.js';
import { replaySources } from './film-source.js';
import { replay, replayOutcome, replayStored } from './replay.js';
import type { ReplayReport } from './replay-diff.js';
import { differenceText, replayJunit } from './replay-junit.js';
import { ScuError } from './scu-error.js';
import {
  parseSendArgs,
  runOptionsOf,
  type SendArgs,
  storeName,
  storeOptionsOf,
  UsageError,
} from './send-args.js';

export const REPLAY_USAGE = `usage: lightbox replay <association id | conversation.json> --to HOST:PORT:AE [options]

Sends a recorded print session again, with the same attributes and pixel data, to another
printer, and compares its answers with the original's message by message (status, Error
Comment, N-CREATE/N-GET/N-ACTION response attributes).

  --to HOST:PORT:AE     the printer to send to (required)
  --calling AE          our calling AE title (default: the original's)
  --data-dir DIR        Lightbox's data directory: the store the association and its films are
                        read from, and where the report is kept (default $LIGHTBOX_DATA_DIR or ./var)
  --database DB         the index database as the server was given it: a SQLite file, or a pool's
                        postgres:// URL (default $LIGHTBOX_DATABASE, else lightbox.db in --data-dir)
  --json FILE           write the report as JSON ("-": standard output, no table)
  --junit FILE          write the report as JUnit XML
  --timeout-ms N        wait at most N ms for each answer (default 60000)

Exit status: 0 every answer as the original's, 1 some differ, 2 error.`;

export interface ReplayArgs {
  help: boolean;
  source: string;
  send: SendArgs;
  json?: string;
  junit?: string;
}

export function parseReplayArgs(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): ReplayArgs {
  const send = parseSendArgs(argv, env, cwd, { json: { type: 'string' }, junit: { type: 'string' } });
  if (send.help) return { help: true, source: '', send };
  const [source, ...extra] = send.positionals;
  if (!source || extra.length > 0) throw new UsageError('give one association id or conversation.json');
  const args: ReplayArgs = { help: false, source, send };
  const { json, junit } = send.values;
  if (typeof json === 'string') args.json = json === '-' ? '-' : resolve(cwd, json);
  if (typeof junit === 'string') args.junit = resolve(cwd, junit);
  return args;
}

/** The report as people read it on a terminal: one line per message, differences under it. */
export function replayTable(r: ReplayReport): string {
  const lines = [`replay of ${r.source} to ${r.target}: ${replayOutcome(r)}`];
  for (const notes of r.notes) lines.push(`  note: ${notes}`);
  for (const row of r.rows) {
    const o = row.original.status === undefined ? '  -   ' : statusHex(row.original.status);
    const n =
      row.replayed.status === undefined
        ? row.replayed.skipped
          ? 'skip  '
          : '  -   '
        : statusHex(row.replayed.status);
    const mark = row.differences.length > 0 ? '≠' : '=';
    lines.push(
      `${mark} #${String(row.index).padStart(3)} ${row.operation.padEnd(8)} ${row.sopClassName.padEnd(26)} ${o} ${n}`,
    );
    for (const d of row.differences) lines.push(`      ${differenceText(d)}`);
    for (const note of row.notes) lines.push(`      note: ${note}`);
  }
  if (r.error) lines.push(`stopped: ${r.error}`);
  return `${lines.join('\n')}\n`;
}

/** Runs the command; resolves with the exit status. */
export async function replayCommand(args: ReplayArgs, out: NodeJS.WritableStream): Promise<number> {
  if (args.help) {
    out.write(`${REPLAY_USAGE}\n`);
    return 0;
  }
  const { target, dataDir } = args.send;
  const o = runOptionsOf(args.send);
  let report: ReplayReport;
  if (/^a\d{1,15}$/.test(args.source) && !existsSync(args.source)) {
    if (!existsSync(dataDir)) throw new UsageError(`no data directory ${dataDir}`);
    const store = new Store(dataDir, storeOptionsOf(args.send));
    try {
      const a = store.associations.get(args.source);
      if (!a) throw new UsageError(`no association ${args.source} in ${storeName(args.send)}`);
      ({ report } = await replayStored(store, a, target, o));
    } finally {
      store.close();
    }
  } else {
    let a: AssociationSummary;
    try {
      a = JSON.parse(readFileSync(args.source, 'utf8')) as AssociationSummary;
    } catch (e) {
      throw new UsageError(`${args.source}: not a readable conversation.json (${(e as Error).message})`);
    }
    if (!Array.isArray(a?.messages) || !Array.isArray(a.acceptedContexts))
      throw new UsageError(`${args.source}: not a conversation.json (no messages or acceptedContexts)`);
    let store: Store | undefined;
    try {
      store = existsSync(dataDir) && a.id ? new Store(dataDir, storeOptionsOf(args.send)) : undefined;
      const films = store ? store.films.byAssociation(a.id).map((f) => f.id) : [];
      report = await replay(a, store ? replaySources(store.filmFiles, films) : {}, target, o);
    } finally {
      store?.close();
    }
  }
  if (args.json && args.json !== '-') writeFileSync(args.json, `${JSON.stringify(report, null, 1)}\n`);
  if (args.junit) writeFileSync(args.junit, replayJunit(report));
  out.write(args.json === '-' ? `${JSON.stringify(report, null, 1)}\n` : replayTable(report));
  return report.same ? 0 : report.error && report.rows.every((r) => r.replayed.status === undefined) ? 2 : 1;
}

export { ScuError, UsageError };
