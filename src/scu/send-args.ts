/**
 * The command-line options every `lightbox` command that sends as an SCU takes alike (replay,
 * print-film, print-pattern): --to HOST:PORT:AE, --calling, --data-dir, --database, --timeout-ms, --help.
 * Each command adds its own options; one parser, so all read, check and word them the same.
 */
import { resolve } from 'node:path';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { ConfigError, checkDatabase } from '../config/config.js';
import { parseTarget, type Target } from './target.js';

/** A command line that cannot be run as written (exit status 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface SendArgs {
  help: boolean;
  positionals: string[];
  /** The command's own options, as parseArgs gave them. */
  values: Record<string, string | boolean | undefined>;
  /** --to as written, and parsed. */
  to: string;
  target: Target;
  calling?: string;
  /** --data-dir, else $LIGHTBOX_DATA_DIR, else ./var, resolved against cwd. */
  dataDir: string;
  /**
   * --database, else $LIGHTBOX_DATABASE: the store's index as the server was given it (a SQLite file,
   * resolved against cwd, or a pool's postgres:// URL); undefined: lightbox.db in the data directory.
   */
  database?: string;
  timeoutMs?: number;
}

const COMMON: ParseArgsOptionsConfig = {
  help: { type: 'boolean' },
  to: { type: 'string' },
  calling: { type: 'string' },
  'data-dir': { type: 'string' },
  database: { type: 'string' },
  'timeout-ms': { type: 'string' },
};

/** Parses argv; --help answers at once with nothing checked (target and data dir are then empty). */
export function parseSendArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  own: ParseArgsOptionsConfig = {},
): SendArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { ...own, ...COMMON },
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const positionals = parsed.positionals;
  if (values['help'] === true)
    return {
      help: true,
      positionals,
      values,
      to: '',
      target: { host: '', port: 0, aeTitle: '' },
      dataDir: '',
    };
  const to = values['to'];
  if (typeof to !== 'string') throw new UsageError('--to HOST:PORT:AE is required');
  let target: Target;
  try {
    target = parseTarget(to);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const args: SendArgs = {
    help: false,
    positionals,
    values,
    to,
    target,
    dataDir: resolve(cwd, (values['data-dir'] as string | undefined) ?? env['LIGHTBOX_DATA_DIR'] ?? './var'),
  };
  const database = databaseArg(values['database'], env['LIGHTBOX_DATABASE'], cwd);
  if (database !== undefined) args.database = database;
  const calling = values['calling'];
  if (typeof calling === 'string') {
    if (calling.length < 1 || calling.length > 16)
      throw new UsageError('--calling: an AE title of 1-16 characters');
    args.calling = calling;
  }
  if (typeof values['timeout-ms'] === 'string')
    args.timeoutMs = intArg(values['timeout-ms'], '--timeout-ms', 1, 600_000);
  return args;
}

/** --database (or $LIGHTBOX_DATABASE) checked as the server checks it; a file path resolved. */
function databaseArg(flag: unknown, env: string | undefined, cwd: string): string | undefined {
  const [raw, from] = typeof flag === 'string' ? [flag, '--database'] : [env ?? '', 'LIGHTBOX_DATABASE'];
  if (raw === '') {
    if (typeof flag === 'string') throw new UsageError('--database: a SQLite file path or a postgres:// URL');
    return undefined;
  }
  try {
    checkDatabase(raw, from);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : resolve(cwd, raw);
}

/** The store options of the common flags (--database). */
export function storeOptionsOf(a: SendArgs): { database?: string } {
  return a.database === undefined ? {} : { database: a.database };
}

/** The store as messages name it: the data directory, and the database when it is not the default. */
export function storeName(a: SendArgs): string {
  if (a.database === undefined) return a.dataDir;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(a.database)
    ? a.database.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@')
    : a.database;
}

/** An integer option within bounds, or a UsageError naming it. */
export function intArg(s: string, name: string, min: number, max: number): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${name}: an integer from ${min} to ${max}`);
  return n;
}

/** The run options the common flags give (calling AE title, answer timeout). */
export function runOptionsOf(a: SendArgs): { callingAeTitle?: string; timeouts?: { responseMs: number } } {
  return {
    ...(a.calling ? { callingAeTitle: a.calling } : {}),
    ...(a.timeoutMs ? { timeouts: { responseMs: a.timeoutMs } } : {}),
  };
}
