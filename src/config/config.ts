/**
 * Lightbox's configuration: every option has a flag, an environment variable and a default, all
 * in OPTIONS (also the source of --help). Flags win over the environment. Pure: parseConfig() takes
 * argv and env and returns a Config or throws ConfigError with one clear line.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface Config {
  dicomPort: number;
  httpPort: number;
  host: string;
  dataDir: string;
  /** Absent: only the embedded default printer. */
  printersDir: string | undefined;
  maxPduLength: number;
  maxAssociations: number;
  maxDatasetBytes: number;
  artimTimeoutMs: number;
  idleTimeoutMs: number;
  shutdownGraceMs: number;
  logLevel: string;
  dumpMessages: boolean;
  noRender: boolean;
  /** Bearer token the control API requires; undefined: none (control only on loopback). */
  apiToken: string | undefined;
  /** Directory of test-lab scenarios; absent: none. */
  scenariosDir?: string;
  /** Scenario names (comma-separated) armed at start-up; absent: none. */
  scenario?: string;
  /** Free space the data directory's volume must keep, else printers go FAILURE; absent: not enforced. */
  minFreeSpace?: SpaceThreshold;
  /** Retention: films older than this (ms) are removed; absent: no age limit. */
  retentionMaxAgeMs?: number;
  /** Retention: the oldest films go while all films together take more bytes; absent: no limit. */
  retentionMaxBytes?: number;
  /** Retention: the oldest films go while there are more; absent: no limit. */
  retentionMaxFilms?: number;
}

/** A minimum of free space: bytes, or a percentage of the volume's size. */
export type SpaceThreshold = { bytes: number } | { percent: number };

type Kind =
  | 'port'
  | 'string'
  | 'optional'
  | 'dir'
  | 'bytes'
  | 'count'
  | 'seconds'
  | 'level'
  | 'bool'
  /** Bytes or a percentage of the volume (512M, 5%); 0 disables. */
  | 'space'
  /** Bytes without upper bound (20G, 1T); 0 or off disables. */
  | 'size'
  /** A duration with its unit (90m, 12h, 30d); 0 or off disables. */
  | 'duration'
  /** A whole number; 0 or off disables. */
  | 'limit';

interface OptionDef {
  key: keyof Config;
  flag: string;
  env: string;
  kind: Kind;
  default: string;
  help: string;
}

export const OPTIONS: readonly OptionDef[] = [
  {
    key: 'dicomPort',
    flag: 'dicom-port',
    env: 'LIGHTBOX_DICOM_PORT',
    kind: 'port',
    default: '11112',
    help: 'TCP port of the DICOM listener',
  },
  {
    key: 'httpPort',
    flag: 'http-port',
    env: 'LIGHTBOX_HTTP_PORT',
    kind: 'port',
    default: '8080',
    help: 'TCP port of the HTTP API and web console',
  },
  {
    key: 'host',
    flag: 'host',
    env: 'LIGHTBOX_HOST',
    kind: 'string',
    default: '0.0.0.0',
    help: 'Address both listeners bind to',
  },
  {
    key: 'dataDir',
    flag: 'data-dir',
    env: 'LIGHTBOX_DATA_DIR',
    kind: 'dir',
    default: './var',
    help: 'Where films and logs are kept (created if missing)',
  },
  {
    key: 'printersDir',
    flag: 'printers',
    env: 'LIGHTBOX_PRINTERS',
    kind: 'dir',
    default: './printers',
    help: 'Directory of printer profiles (*.yaml, *.json)',
  },
  {
    key: 'maxPduLength',
    flag: 'max-pdu',
    env: 'LIGHTBOX_MAX_PDU',
    kind: 'bytes',
    default: '256K',
    help: 'Maximum P-DATA-TF PDU length we receive (advertised)',
  },
  {
    key: 'maxAssociations',
    flag: 'max-associations',
    env: 'LIGHTBOX_MAX_ASSOCIATIONS',
    kind: 'count',
    default: '64',
    help: 'Concurrent associations; beyond: A-ASSOCIATE-RJ transient',
  },
  {
    key: 'maxDatasetBytes',
    flag: 'max-dataset',
    env: 'LIGHTBOX_MAX_DATASET',
    kind: 'bytes',
    default: '256M',
    help: 'Largest data set accepted in one DIMSE message',
  },
  {
    key: 'artimTimeoutMs',
    flag: 'artim-timeout',
    env: 'LIGHTBOX_ARTIM_TIMEOUT',
    kind: 'seconds',
    default: '30',
    help: 'ARTIM timer (PS3.8 association request/release timer), seconds',
  },
  {
    key: 'idleTimeoutMs',
    flag: 'idle-timeout',
    env: 'LIGHTBOX_IDLE_TIMEOUT',
    kind: 'seconds',
    default: '300',
    help: 'Abort an association silent this long, seconds',
  },
  {
    key: 'shutdownGraceMs',
    flag: 'shutdown-grace',
    env: 'LIGHTBOX_SHUTDOWN_GRACE',
    kind: 'seconds',
    default: '10',
    help: 'On SIGTERM, how long open associations may finish, seconds',
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: 'LIGHTBOX_LOG_LEVEL',
    kind: 'level',
    default: 'info',
    help: 'trace, debug, info, warn, error or silent',
  },
  {
    key: 'dumpMessages',
    flag: 'dump-messages',
    env: 'LIGHTBOX_DUMP_MESSAGES',
    kind: 'bool',
    default: 'false',
    help: 'Log every DIMSE message whole (command and data set)',
  },
  {
    key: 'noRender',
    flag: 'no-render',
    env: 'LIGHTBOX_NO_RENDER',
    kind: 'bool',
    default: 'false',
    help: 'Keep printed films without rendering PNG previews',
  },
  {
    key: 'apiToken',
    flag: 'api-token',
    env: 'LIGHTBOX_API_TOKEN',
    kind: 'optional',
    default: '',
    help: 'Bearer token for the control API (status changes, deletes); unset: loopback only',
  },
  {
    key: 'scenariosDir',
    flag: 'scenarios',
    env: 'LIGHTBOX_SCENARIOS',
    kind: 'dir',
    default: './scenarios',
    help: 'Directory of test-lab scenarios (*.yaml, *.json)',
  },
  {
    key: 'scenario',
    flag: 'scenario',
    env: 'LIGHTBOX_SCENARIO',
    kind: 'optional',
    default: '',
    help: 'Scenario(s) to arm at start-up, comma-separated names',
  },
  {
    key: 'minFreeSpace',
    flag: 'min-free-space',
    env: 'LIGHTBOX_MIN_FREE_SPACE',
    kind: 'space',
    default: '1G',
    help: 'Below this free space on the data volume (bytes or %), printers go FAILURE PRINT BUFF FULL; 0: off',
  },
  {
    key: 'retentionMaxAgeMs',
    flag: 'retention-max-age',
    env: 'LIGHTBOX_RETENTION_MAX_AGE',
    kind: 'duration',
    default: 'off',
    help: 'Remove films older than this (90m, 12h, 30d); pinned films stay',
  },
  {
    key: 'retentionMaxBytes',
    flag: 'retention-max-bytes',
    env: 'LIGHTBOX_RETENTION_MAX_BYTES',
    kind: 'size',
    default: '20G',
    help: 'Remove the oldest films while all films take more than this; 0: off',
  },
  {
    key: 'retentionMaxFilms',
    flag: 'retention-max-films',
    env: 'LIGHTBOX_RETENTION_MAX_FILMS',
    kind: 'limit',
    default: 'off',
    help: 'Remove the oldest films while there are more than this',
  },
];

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
const DURATION_UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};
/** Values that switch a limit off. */
const OFF = /^(off|0|none)?$/i;

/** "20G", "512M", "1T", "65536", "16KiB": bytes; undefined when it is not a size. */
export function parseSize(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B)?$/i.exec(raw.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!);
}

/** "90m", "12h", "30d", "2w", "45s": milliseconds; undefined when it is not a duration. */
export function parseDuration(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(raw.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]!);
}

function parseValue(
  o: OptionDef,
  raw: string,
  from: string,
): number | string | boolean | SpaceThreshold | undefined {
  const bad = (why: string) => new ConfigError(`${from}: ${why} (got "${raw}")`);
  switch (o.kind) {
    case 'space': {
      if (OFF.test(raw.trim())) return undefined;
      const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(raw.trim());
      if (pct) {
        const percent = Number(pct[1]);
        if (percent > 100) throw bad('a percentage must be at most 100%');
        return percent === 0 ? undefined : { percent };
      }
      const bytes = parseSize(raw);
      if (bytes === undefined)
        throw bad('must be a byte size such as 512M or 2G, a percentage such as 5%, or 0 (off)');
      return bytes === 0 ? undefined : { bytes };
    }
    case 'size': {
      if (OFF.test(raw.trim())) return undefined;
      const bytes = parseSize(raw);
      if (bytes === undefined) throw bad('must be a byte size such as 500M, 20G or 1T, or 0 (off)');
      return bytes;
    }
    case 'duration': {
      if (OFF.test(raw.trim())) return undefined;
      const ms = parseDuration(raw);
      if (ms === undefined || ms === 0)
        throw bad('must be a duration with its unit such as 90m, 12h or 30d, or off');
      return ms;
    }
    case 'limit': {
      if (OFF.test(raw.trim())) return undefined;
      if (!/^\d+$/.test(raw.trim())) throw bad('must be a whole number, or 0 (off)');
      return Number(raw.trim());
    }
    case 'port': {
      if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw bad('must be a port number 0-65535');
      return Number(raw);
    }
    case 'count':
    case 'seconds': {
      if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) throw bad('must be a positive number');
      if (o.kind === 'count' && !Number.isInteger(Number(raw))) throw bad('must be a whole number');
      return o.kind === 'seconds' ? Math.round(Number(raw) * 1000) : Number(raw);
    }
    case 'bytes': {
      const m = /^(\d+)\s*([KMG]?)(i?B)?$/i.exec(raw);
      if (!m) throw bad('must be a byte count such as 65536, 256K or 64M');
      const n = Number(m[1]) * UNITS[m[2]!.toUpperCase()]!;
      if (n < 4096 || n > 2 ** 32 - 1) throw bad('must be between 4K and 4G');
      return n;
    }
    case 'level':
      if (!LEVELS.includes(raw)) throw bad(`must be one of ${LEVELS.join(', ')}`);
      return raw;
    case 'bool':
      if (!/^(1|0|true|false|yes|no)$/i.test(raw)) throw bad('must be true or false');
      return /^(1|true|yes)$/i.test(raw);
    case 'optional':
      return raw;
    default:
      if (raw.length === 0) throw bad('must not be empty');
      return raw;
  }
}

export function usage(): string {
  const lines = ['Usage: lightbox [options]', '', 'Options (flag, environment variable, default):'];
  for (const o of OPTIONS) {
    const flag = o.kind === 'bool' ? `--${o.flag}` : `--${o.flag} <${o.kind}>`;
    lines.push(`  ${flag.padEnd(28)} ${o.env.padEnd(28)} ${o.default.padEnd(10)} ${o.help}`);
  }
  lines.push(`  ${'--help'.padEnd(28)} ${''.padEnd(28)} ${''.padEnd(10)} Print this text and exit`);
  return lines.join('\n');
}

export interface ParsedArgs {
  help: boolean;
  config: Config;
}

/**
 * Parse argv (without node and script) and env. Directories are resolved against `cwd`; the data
 * directory is created when missing; an explicit printers directory must exist and be readable,
 * while a missing default one just means "embedded printer only".
 */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): ParsedArgs {
  const spec: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const o of OPTIONS) spec[o.flag] = { type: o.kind === 'bool' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new ConfigError((e as Error).message.split('\n')[0]!.replace(/\. To specify.*$/, ''));
  }
  const out: Record<string, unknown> = {};
  const explicit = new Set<string>();
  for (const o of OPTIONS) {
    const flagValue = values[o.flag];
    let raw: string;
    let from: string;
    if (flagValue !== undefined) {
      raw = typeof flagValue === 'boolean' ? String(flagValue) : flagValue;
      from = `--${o.flag}`;
      explicit.add(o.key);
    } else if (env[o.env] !== undefined && env[o.env] !== '') {
      raw = env[o.env]!;
      from = o.env;
      explicit.add(o.key);
    } else {
      raw = o.default;
      from = `default --${o.flag}`;
    }
    out[o.key] = parseValue(o, raw, from);
    if (o.kind === 'optional' && raw === '') out[o.key] = undefined;
    if (o.kind === 'dir') out[o.key] = resolve(cwd, raw);
  }
  const config = out as unknown as Config;
  const help = values['help'] === true;
  // Directories are touched only once every value is valid, and never just to print --help.
  if (!help) {
    config.printersDir = checkPrintersDir(config.printersDir!, explicit.has('printersDir'));
    config.scenariosDir = checkPrintersDir(config.scenariosDir!, explicit.has('scenariosDir'), 'scenarios');
    config.dataDir = checkDataDir(config.dataDir);
  }
  return { help, config };
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdirSync (20 and 24 alike) spins forever on some paths
 * (e.g. under /proc), so each missing component is created on its own and fails cleanly.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  let at = dir;
  while (!existsSync(at)) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const d of missing) mkdirSync(d);
}

function checkDataDir(dir: string): string {
  try {
    makeDirs(dir);
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new ConfigError(
      `data directory ${dir} is not usable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  if (!statSync(dir).isDirectory()) throw new ConfigError(`data directory ${dir} is not a directory`);
  return dir;
}

/** An optional input directory (printers, scenarios): a missing default just means none. */
function checkPrintersDir(dir: string, explicit: boolean, what = 'printers'): string | undefined {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
    accessSync(dir, constants.R_OK | constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return undefined;
    if (code === 'ENOENT') throw new ConfigError(`${what} directory ${dir} does not exist`);
    throw new ConfigError(`${what} directory ${dir} is not readable: ${code ?? (e as Error).message}`);
  }
  if (!isDir) throw new ConfigError(`${what} directory ${dir} is not a directory`);
  return dir;
}
