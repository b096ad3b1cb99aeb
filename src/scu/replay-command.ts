/**
 * `lightbox replay <association id | conversation.json> --to HOST:PORT:AE`: send a recorded
 * session again to any printer and show how its answers differ from the original's.
 *
 * An association id is read from the store in --data-dir (pixels from its films; the report is
 * kept there too, as the API's replays are). A conversation.json (GET .../conversation.json) is
 * read from the file; its pixels come from --data-dir's films of that association when they are
 * there, else a made-up pattern of the recorded size (the report says so).
 *
 * Exit codes: 0 every answer as the original's, 1 some differ, 2 usage error or no association.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { statusHex } from '../dicom/dimse/status.js';
import type { AssociationSummary } from '../store/association-record.js';
import { Store } from '../store/store.js';
import { replaySources } from './film-source.js';
import { replay, replayOutcome, replayStored } from './replay.js';
import type { ReplayReport } from './replay-diff.js';
import { differenceText, replayJunit } from './replay-junit.js';
import { ScuError } from './scu-error.js';
import { parseTarget } from './target.js';

export const REPLAY_USAGE = `usage: lightbox replay <association id | conversation.json> --to HOST:PORT:AE [options]

Sends a recorded print session again, with the same attributes and pixel data, to another
printer, and compares its answers with the original's message by message (status, Error
Comment, N-CREATE/N-GET/N-ACTION response attributes).

  --to HOST:PORT:AE     the printer to send to (required)
  --calling AE          our calling AE title (default: the original's)
  --data-dir DIR        Lightbox's data directory: the store the association and its films are
                        read from, and where the report is kept (default $LIGHTBOX_DATA_DIR or ./var)
  --json FILE           write the report as JSON ("-": standard output, no table)
  --junit FILE          write the report as JUnit XML
  --timeout-ms N        wait at most N ms for each answer (default 60000)

Exit status: 0 every answer as the original's, 1 some differ, 2 error.`;

export class ReplayUsageError extends Error {}

export interface ReplayArgs {
  help: boolean;
  source: string;
  to: string;
  calling?: string;
  dataDir: string;
  json?: string;
  junit?: string;
  timeoutMs?: number;
}

export function parseReplayArgs(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): ReplayArgs {
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
        json: { type: 'string' },
        junit: { type: 'string' },
        'timeout-ms': { type: 'string' },
      },
    });
  } catch (e) {
    throw new ReplayUsageError((e as Error).message.split('\n')[0]!);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const help = v['help'] === true;
  const [source, ...extra] = parsed.positionals;
  if (help) return { help, source: '', to: '', dataDir: '' };
  if (!source || extra.length > 0) throw new ReplayUsageError('give one association id or conversation.json');
  if (typeof v['to'] !== 'string') throw new ReplayUsageError('--to HOST:PORT:AE is required');
  const args: ReplayArgs = {
    help,
    source,
    to: v['to'],
    dataDir: resolve(cwd, (v['data-dir'] as string | undefined) ?? env['LIGHTBOX_DATA_DIR'] ?? './var'),
  };
  if (typeof v['calling'] === 'string') args.calling = v['calling'];
  if (typeof v['json'] === 'string') args.json = v['json'] === '-' ? '-' : resolve(cwd, v['json']);
  if (typeof v['junit'] === 'string') args.junit = resolve(cwd, v['junit']);
  if (typeof v['timeout-ms'] === 'string') {
    const n = Number(v['timeout-ms']);
    if (!Number.isInteger(n) || n < 1 || n > 600_000) throw new ReplayUsageError('--timeout-ms: 1 to 600000');
    args.timeoutMs = n;
  }
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
  const target = parseTarget(args.to);
  const o = {
    ...(args.calling ? { callingAeTitle: args.calling } : {}),
    ...(args.timeoutMs ? { timeouts: { responseMs: args.timeoutMs } } : {}),
  };
  let report: ReplayReport;
  if (/^a\d{1,15}$/.test(args.source) && !existsSync(args.source)) {
    if (!existsSync(args.dataDir)) throw new ReplayUsageError(`no data directory ${args.dataDir}`);
    const store = new Store(args.dataDir);
    try {
      const a = store.associations.get(args.source);
      if (!a) throw new ReplayUsageError(`no association ${args.source} in ${args.dataDir}`);
      ({ report } = await replayStored(store, a, target, o));
    } finally {
      store.close();
    }
  } else {
    let a: AssociationSummary;
    try {
      a = JSON.parse(readFileSync(args.source, 'utf8')) as AssociationSummary;
    } catch (e) {
      throw new ReplayUsageError(
        `${args.source}: not a readable conversation.json (${(e as Error).message})`,
      );
    }
    if (!Array.isArray(a?.messages) || !Array.isArray(a.acceptedContexts))
      throw new ReplayUsageError(`${args.source}: not a conversation.json (no messages or acceptedContexts)`);
    let store: Store | undefined;
    try {
      store = existsSync(args.dataDir) && a.id ? new Store(args.dataDir) : undefined;
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

export { ScuError };
