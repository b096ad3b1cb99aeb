/**
 * Lightbox's configuration: every option has a flag, an environment variable and a default, all
 * in OPTIONS (also the source of --help). Flags win over the environment. Pure: parseConfig() takes
 * argv and env and returns a Config or throws ConfigError with one clear line.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
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
  /**
   * The index database: absent, the embedded SQLite file lightbox.db in dataDir; a file path, that
   * SQLite file; a postgres:// URL, a PostgreSQL database several instances can share.
   */
  database?: string;
  /** Absent: only the embedded default printer. */
  printersDir: string | undefined;
  maxPduLength: number;
  maxAssociations: number;
  /**
   * Connections that hold no association (no A-ASSOCIATE-RQ yet, or closing after one ended):
   * beyond this the oldest is dropped. Absent: DEFAULT_MAX_UNASSOCIATED.
   */
  maxUnassociated?: number;
  /** The same, per peer IP address. Absent: DEFAULT_MAX_UNASSOCIATED_PER_PEER. */
  maxUnassociatedPerPeer?: number;
  /** A connection must send its whole A-ASSOCIATE-RQ within this; absent: DEFAULT_ASSOCIATE_TIMEOUT_MS. */
  associateTimeoutMs?: number;
  maxDatasetBytes: number;
  /**
   * Bytes of data sets held in memory across all associations (--max-inflight); absent: sized to
   * the machine, defaultMaxInflight(total memory).
   */
  maxInflightBytes?: number;
  artimTimeoutMs: number;
  idleTimeoutMs: number;
  shutdownGraceMs: number;
  logLevel: string;
  dumpMessages: boolean;
  noRender: boolean;
  /** A film's full render waits for the DICOM listeners to be quiet this long; absent: 100 ms. */
  renderQuietMs?: number;
  /**
   * Bearer token the control API requires from every client (and reads too with protectReads);
   * undefined: none, and then control (and protected reads) only from clients on loopback.
   */
  apiToken: string | undefined;
  /**
   * Host names (Host header) the HTTP server answers to besides localhost, this machine's hostname,
   * the bind address and IP literals; ['*']: any name (unsafe: DNS rebinding). [] when unset.
   */
  allowedHosts?: string[];
  /** Reads under /api need what control requests need (the token, or loopback without one). */
  protectReads?: boolean;
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
  /** TCP port of the DICOM TLS listener; used only with tlsCert. Absent: DEFAULT_TLS_PORT. */
  tlsPort?: number;
  /** PEM certificate (chain) of the TLS listeners; absent: no TLS. Goes with tlsKey. */
  tlsCert?: string;
  /** PEM private key of tlsCert. */
  tlsKey?: string;
  /** PEM CA certificates client certificates are checked against; absent: none asked for. */
  tlsCa?: string;
  /** Clients of the DICOM TLS port must present a certificate signed by tlsCa. */
  tlsVerifyPeer?: boolean;
  /** No plain DICOM listener (neither --dicom-port nor printers' own ports): TLS only. */
  tlsOnly?: boolean;
  /** The HTTP server speaks HTTPS with tlsCert and tlsKey. */
  https?: boolean;
  /** Export retries: first delay and cap, ms (src/export/export-queue.ts; absent: 5 s doubling up to 10 min). */
  exportRetryBaseMs?: number;
  exportRetryMaxMs?: number;
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
  | 'limit'
  /** Host names, comma-separated (lightbox.lab, 10.0.0.7); * for any; empty: none. */
  | 'hosts'
  /** A file to read (resolved against the working directory); empty: none. */
  | 'file'
  /** A byte size (512M, 2G) within MIN_INFLIGHT..max, or auto (sized to the machine's memory). */
  | 'budget'
  /** A file path (SQLite) or a postgres:// URL; empty: lightbox.db in the data directory. */
  | 'database';

interface OptionDef {
  key: keyof Config;
  flag: string;
  env: string;
  kind: Kind;
  default: string;
  help: string;
  /**
   * Largest value accepted, in the option's own unit (seconds, a count, bytes, milliseconds for a
   * duration, characters for a string). Every option has one: a value a timer, a buffer or a loop
   * cannot honour stops start-up instead of misbehaving later.
   */
  max?: number;
}

/** Defaults of the pre-association bounds (also used when a Config built in code leaves them out). */
export const DEFAULT_MAX_UNASSOCIATED = 256;
export const DEFAULT_MAX_UNASSOCIATED_PER_PEER = 32;
export const DEFAULT_ASSOCIATE_TIMEOUT_MS = 5000;
/** The DICOM TLS port (IANA "dicom-tls", PS3.15 B.1). */
export const DEFAULT_TLS_PORT = 2762;

/**
 * --max-inflight auto: 1/32 of the machine's memory, at least 256 MiB (one --max-dataset data set at
 * its default fits) and at most 1 GiB: 768 MiB on the 24 GiB machines Lightbox is built for, which
 * keeps a process under 1.5 GiB whatever the peers send (768 MiB nominal; 753 MiB where the kernel
 * reports 23.5 GiB). Pixel data of image boxes is streamed to disk: only its bytes waiting for the
 * disk count, with everything else held whole.
 */
export function defaultMaxInflight(totalMemoryBytes: number): number {
  const MiB = 1024 ** 2;
  const share = Math.floor(totalMemoryBytes / 32 / MiB) * MiB;
  return Math.min(1024 * MiB, Math.max(256 * MiB, share));
}
/** The smallest in-flight budget accepted: room for a few messages of attributes. */
const MIN_INFLIGHT = 1024 ** 2;

/** setTimeout() holds at most this many milliseconds; beyond it Node fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** What a string option (host, token, scenario names) may hold, in characters. */
const MAX_STRING = 4096;
/** The largest byte size an option takes (1 PiB): finite, exact, and beyond any real disk. */
const MAX_SIZE = 1024 ** 5;

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
    max: 255,
  },
  {
    key: 'dataDir',
    flag: 'data-dir',
    env: 'LIGHTBOX_DATA_DIR',
    kind: 'dir',
    default: './var',
    help: 'Where films and their index (lightbox.db) are kept, created if missing; logs go to stdout',
  },
  {
    key: 'database',
    flag: 'database',
    env: 'LIGHTBOX_DATABASE',
    kind: 'database',
    default: '',
    help: 'The index database: a SQLite file (default: lightbox.db in --data-dir), or a postgres://user:password@host:port/db URL that several instances share (README: "Several instances")',
    max: MAX_STRING,
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
    max: 1024,
  },
  {
    key: 'maxUnassociated',
    flag: 'max-unassociated',
    env: 'LIGHTBOX_MAX_UNASSOCIATED',
    kind: 'count',
    default: String(DEFAULT_MAX_UNASSOCIATED),
    help: 'Connections without an association (not yet associated, or closing); beyond: the oldest is dropped',
    max: 8192,
  },
  {
    key: 'maxUnassociatedPerPeer',
    flag: 'max-unassociated-per-peer',
    env: 'LIGHTBOX_MAX_UNASSOCIATED_PER_PEER',
    kind: 'count',
    default: String(DEFAULT_MAX_UNASSOCIATED_PER_PEER),
    help: "The same, per peer IP address; beyond: that address's oldest is dropped (once older than 1 s)",
    max: 8192,
  },
  {
    key: 'associateTimeoutMs',
    flag: 'associate-timeout',
    env: 'LIGHTBOX_ASSOCIATE_TIMEOUT',
    kind: 'seconds',
    default: String(DEFAULT_ASSOCIATE_TIMEOUT_MS / 1000),
    help: 'A new connection must send its whole A-ASSOCIATE-RQ within this, seconds; else it is closed',
    max: 600,
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
    key: 'maxInflightBytes',
    flag: 'max-inflight',
    env: 'LIGHTBOX_MAX_INFLIGHT',
    kind: 'budget',
    default: 'auto',
    help: 'Bytes of data sets held in memory across all associations (image pixels stream to disk: only their bytes waiting for it count); beyond: 0xC605 (image box) or 0x0213, and A-ASSOCIATE-RJ transient for new associations; auto: 1/32 of RAM within 256M-1G',
    max: 64 * 1024 ** 3,
  },
  {
    key: 'artimTimeoutMs',
    flag: 'artim-timeout',
    env: 'LIGHTBOX_ARTIM_TIMEOUT',
    kind: 'seconds',
    default: '30',
    help: 'ARTIM timer (PS3.8 association request/release timer), seconds',
    max: 600,
  },
  {
    key: 'idleTimeoutMs',
    flag: 'idle-timeout',
    env: 'LIGHTBOX_IDLE_TIMEOUT',
    kind: 'seconds',
    default: '300',
    help: 'Abort an association silent this long, seconds',
    max: 86_400,
  },
  {
    key: 'shutdownGraceMs',
    flag: 'shutdown-grace',
    env: 'LIGHTBOX_SHUTDOWN_GRACE',
    kind: 'seconds',
    default: '10',
    help: 'On SIGTERM, how long open associations may finish, seconds',
    max: 3600,
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
    key: 'renderQuietMs',
    flag: 'render-quiet',
    env: 'LIGHTBOX_RENDER_QUIET',
    kind: 'seconds',
    default: '0.1',
    help: 'A film is previewed once DICOM has been quiet 20 ms (at most 0.2 s later); its full render once no DICOM traffic has come for this long (seconds), or after twice this (at least 2 s) under continuous printing',
    max: 60,
  },
  {
    key: 'apiToken',
    flag: 'api-token',
    env: 'LIGHTBOX_API_TOKEN',
    kind: 'optional',
    default: '',
    help: 'Bearer token required for control requests (status changes, faults, deletes) from every client; unset: accepted only from clients on this machine (loopback source address), refused (403) from any other',
    max: MAX_STRING,
  },
  {
    key: 'allowedHosts',
    flag: 'allowed-hosts',
    env: 'LIGHTBOX_ALLOWED_HOSTS',
    kind: 'hosts',
    default: '',
    help: 'Host names clients may reach the HTTP server by, comma-separated, besides localhost, this hostname, the --host address and IP addresses; * allows any (unsafe: DNS rebinding)',
  },
  {
    key: 'protectReads',
    flag: 'protect-reads',
    env: 'LIGHTBOX_PROTECT_READS',
    kind: 'bool',
    default: 'false',
    help: 'Reads (films, conversations, verdicts, listings, events) need the API token too (loopback only without one); use on any shared network',
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
    max: MAX_STRING,
  },
  {
    key: 'minFreeSpace',
    flag: 'min-free-space',
    env: 'LIGHTBOX_MIN_FREE_SPACE',
    kind: 'space',
    default: '1G',
    help: 'Below this free space on the data volume (bytes or %), printers go FAILURE PRINT BUFF FULL; 0: off',
    max: MAX_SIZE,
  },
  {
    key: 'retentionMaxAgeMs',
    flag: 'retention-max-age',
    env: 'LIGHTBOX_RETENTION_MAX_AGE',
    kind: 'duration',
    default: 'off',
    help: 'Remove films older than this (90m, 12h, 30d); pinned films stay',
    max: 100 * 365 * 86_400_000,
  },
  {
    key: 'retentionMaxBytes',
    flag: 'retention-max-bytes',
    env: 'LIGHTBOX_RETENTION_MAX_BYTES',
    kind: 'size',
    default: '20G',
    help: 'Remove the oldest films while all films take more than this; 0: off',
    max: MAX_SIZE,
  },
  {
    key: 'retentionMaxFilms',
    flag: 'retention-max-films',
    env: 'LIGHTBOX_RETENTION_MAX_FILMS',
    kind: 'limit',
    default: 'off',
    help: 'Remove the oldest films while there are more than this',
    max: 100_000_000,
  },
  {
    key: 'tlsCert',
    flag: 'tls-cert',
    env: 'LIGHTBOX_TLS_CERT',
    kind: 'file',
    default: '',
    help: 'PEM certificate (chain) for DICOM TLS (and --https); with --tls-key, opens the TLS port. Reloaded on SIGHUP or POST /api/tls/reload',
  },
  {
    key: 'tlsKey',
    flag: 'tls-key',
    env: 'LIGHTBOX_TLS_KEY',
    kind: 'file',
    default: '',
    help: 'PEM private key of --tls-cert (unencrypted)',
  },
  {
    key: 'tlsCa',
    flag: 'tls-ca',
    env: 'LIGHTBOX_TLS_CA',
    kind: 'file',
    default: '',
    help: 'PEM CA certificate(s) for DICOM client certificates: one a client presents must verify against them',
  },
  {
    key: 'tlsVerifyPeer',
    flag: 'tls-verify-peer',
    env: 'LIGHTBOX_TLS_VERIFY_PEER',
    kind: 'bool',
    default: 'false',
    help: 'DICOM TLS clients must present a certificate signed by a --tls-ca (else the handshake fails)',
  },
  {
    key: 'tlsPort',
    flag: 'tls-port',
    env: 'LIGHTBOX_TLS_PORT',
    kind: 'port',
    default: String(DEFAULT_TLS_PORT),
    help: 'TCP port of the DICOM TLS listener (only with --tls-cert), every printer by called AE title',
  },
  {
    key: 'tlsOnly',
    flag: 'tls-only',
    env: 'LIGHTBOX_TLS_ONLY',
    kind: 'bool',
    default: 'false',
    help: "No plain DICOM listener (neither --dicom-port nor printers' own ports): DICOM over TLS only",
  },
  {
    key: 'https',
    flag: 'https',
    env: 'LIGHTBOX_HTTPS',
    kind: 'bool',
    default: 'false',
    help: 'Serve the web console and API over HTTPS with --tls-cert and --tls-key (on --http-port)',
  },
];

/** A DNS name (labels of letters, digits, hyphens, underscores), without port or scheme. */
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

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
function parseSize(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B)?$/i.exec(raw.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!);
}

/** "90m", "12h", "30d", "2w", "45s": milliseconds; undefined when it is not a duration. */
function parseDuration(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(raw.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]!);
}

/** A value as an error message quotes it: on one line, and not a megabyte of it. */
function quoted(raw: string): string {
  const shown = raw.length > 64 ? `${raw.slice(0, 64)}... (${raw.length} characters)` : raw;
  return JSON.stringify(shown);
}

function parseValue(
  o: OptionDef,
  raw: string,
  from: string,
): number | string | string[] | boolean | SpaceThreshold | undefined {
  const bad = (why: string) => new ConfigError(`${from}: ${why} (got ${quoted(raw)})`);
  const max = o.max ?? Number.MAX_SAFE_INTEGER;
  /** n (in the option's unit) within 0..max, else a ConfigError naming the bound as `shown`. */
  const atMost = (n: number, shown: string) => {
    if (!Number.isFinite(n) || n > max) throw bad(`must be at most ${shown}`);
    return n;
  };
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
      atMost(bytes, showSize(max));
      return bytes === 0 ? undefined : { bytes };
    }
    case 'budget': {
      if (/^auto$/i.test(raw.trim())) return undefined;
      const bytes = parseSize(raw);
      if (bytes === undefined) throw bad('must be a byte size such as 512M or 2G, or auto');
      if (bytes < MIN_INFLIGHT) throw bad(`must be at least ${showSize(MIN_INFLIGHT)}`);
      return atMost(bytes, showSize(max));
    }
    case 'size': {
      if (OFF.test(raw.trim())) return undefined;
      const bytes = parseSize(raw);
      if (bytes === undefined) throw bad('must be a byte size such as 500M, 20G or 1T, or 0 (off)');
      return atMost(bytes, showSize(max));
    }
    case 'duration': {
      if (OFF.test(raw.trim())) return undefined;
      const ms = parseDuration(raw);
      if (ms === undefined || ms === 0)
        throw bad('must be a duration with its unit such as 90m, 12h or 30d, or off');
      return atMost(ms, `${Math.floor(max / 86_400_000)}d`);
    }
    case 'limit': {
      if (OFF.test(raw.trim())) return undefined;
      if (!/^\d+$/.test(raw.trim())) throw bad('must be a whole number, or 0 (off)');
      return atMost(Number(raw.trim()), String(max));
    }
    case 'port': {
      if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw bad('must be a port number 0-65535');
      return Number(raw);
    }
    case 'count': {
      if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) throw bad('must be a positive number');
      if (!Number.isInteger(Number(raw))) throw bad('must be a whole number');
      return atMost(Number(raw), String(max));
    }
    case 'seconds': {
      if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) throw bad('must be a positive number');
      atMost(Number(raw), `${max} seconds`);
      const ms = Math.round(Number(raw) * 1000);
      if (ms < 1) throw bad('must be at least 0.001 seconds');
      return ms;
    }
    case 'bytes': {
      const m = /^(\d+)\s*([KMG]?)(i?B)?$/i.exec(raw);
      if (!m) throw bad('must be a byte count such as 65536, 256K or 64M');
      const n = Number(m[1]) * UNITS[m[2]!.toUpperCase()]!;
      if (n < 4096 || n > 2 ** 32 - 1) throw bad('must be between 4K and 4G');
      return n;
    }
    case 'database':
      return checkDatabase(raw, from, max);
    case 'level':
      if (!LEVELS.includes(raw)) throw bad(`must be one of ${LEVELS.join(', ')}`);
      return raw;
    case 'bool':
      if (!/^(1|0|true|false|yes|no)$/i.test(raw)) throw bad('must be true or false');
      return /^(1|true|yes)$/i.test(raw);
    case 'hosts': {
      if (raw.length > (o.max ?? MAX_STRING)) throw bad(`must be at most ${o.max ?? MAX_STRING} characters`);
      const names = raw
        .split(',')
        .map((n) => n.trim().toLowerCase())
        .filter(Boolean);
      for (const n of names)
        if (n !== '*' && !HOST_NAME.test(n) && !isIP(n.replace(/^\[(.*)\]$/, '$1')))
          throw bad(`"${n}" is not a host name or address (no scheme, no port), nor *`);
      return names;
    }
    default: {
      // Strings: host, directories, files, the API token, scenario names.
      if (o.kind !== 'optional' && o.kind !== 'file' && raw.length === 0) throw bad('must not be empty');
      const longest = o.max ?? MAX_STRING;
      if (raw.length > longest) throw bad(`must be at most ${longest} characters`);
      return raw;
    }
  }
}

/** What --help says about who may do what over HTTP (the README's "Security of the control API"). */
const ACCESS_HELP = [
  'HTTP access (README: "Security of the control API"):',
  '  Control requests (printer status, lab faults and scenarios, deleting and pinning films):',
  '    without --api-token: accepted only when the client connects from this machine (source address',
  '      127.0.0.0/8 or ::1), whatever --host is; refused with 403 from any other address.',
  '    with --api-token: need "Authorization: Bearer <token>" (or a console login) from every client,',
  '      this machine included; 401 without it.',
  '  Reads (films, conversations, verdicts, listings, events): open to any client that reaches the',
  '    port, unless --protect-reads, which gives them the rule of control requests.',
  '  Every request: the Host header must name this server (--allowed-hosts). A request that changes',
  "    something: a present Origin must be this server's own; a POST must be content-type:",
  '    application/json unless it carries the token. Refused: 403 (401 when the token would help),',
  '    {"error": why, "rule": which}.',
];
/** 1024T, 20G...: a byte bound as a size the user can type. */
function showSize(bytes: number): string {
  for (const unit of ['T', 'G', 'M', 'K']) {
    const n = bytes / UNITS[unit]!;
    if (Number.isInteger(n)) return `${n}${unit}`;
  }
  return String(bytes);
}

export function usage(): string {
  const lines = [
    'Usage: lightbox [options]',
    '       lightbox conformance [--printer <AE title>] [--format md|html] [options]',
    '         (the DICOM Conformance Statement of the printers, to stdout: lightbox conformance --help)',
    '       lightbox replay | print-film | print-pattern ... --to HOST:PORT:AE',
    '         (Lightbox as a print SCU: a recorded session, a stored film, a QA test pattern; each --help)',
    '',
    'Options (flag, environment variable, default):',
  ];
  for (const o of OPTIONS) {
    const flag = o.kind === 'bool' ? `--${o.flag}` : `--${o.flag} <${o.kind}>`;
    lines.push(`  ${flag.padEnd(28)} ${o.env.padEnd(28)} ${o.default.padEnd(10)} ${o.help}`);
  }
  lines.push(`  ${'--help'.padEnd(28)} ${''.padEnd(28)} ${''.padEnd(10)} Print this text and exit`);
  lines.push('', ...ACCESS_HELP);
  return lines.join('\n');
}

export interface ParsedArgs {
  help: boolean;
  config: Config;
}

/**
 * Every option at its default, parsed as its flag would be. Directories stay as written and are
 * not touched: for what describes a Lightbox without running one (the conformance statement).
 */
export function defaultConfig(): Config {
  const out: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    out[o.key] =
      (o.kind === 'optional' || o.kind === 'file' || o.kind === 'database') && o.default === ''
        ? undefined
        : parseValue(o, o.default, `--${o.flag}`);
  }
  return out as unknown as Config;
}

/**
 * Parse argv (without node and script) and env. Directories are resolved against `cwd`; the data
 * directory is created when missing; an explicit printers directory must exist and be readable,
 * while a missing default one just means "embedded printer only".
 */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): ParsedArgs {
  const { values, config, explicit } = readOptions(argv, env, cwd, {});
  const help = values['help'] === true;
  // Directories are touched only once every value is valid, and never just to print --help.
  if (!help) {
    config.printersDir = checkPrintersDir(config.printersDir!, explicit.has('printersDir'));
    config.scenariosDir = checkPrintersDir(config.scenariosDir!, explicit.has('scenariosDir'), 'scenarios');
    config.dataDir = checkDataDir(config.dataDir);
    checkTls(config);
  }
  return { help, config };
}

/** The TLS options go together; each file named must be a readable file (its content: TlsCredentials). */
function checkTls(c: Config): void {
  const without = (flag: string, needs: string) =>
    new ConfigError(`--${flag} needs --${needs} (and the other TLS options it goes with)`);
  if (c.tlsCert !== undefined && c.tlsKey === undefined) throw without('tls-cert', 'tls-key');
  if (c.tlsKey !== undefined && c.tlsCert === undefined) throw without('tls-key', 'tls-cert');
  if (c.tlsCert === undefined) {
    if (c.tlsCa !== undefined) throw without('tls-ca', 'tls-cert');
    if (c.tlsVerifyPeer) throw without('tls-verify-peer', 'tls-cert');
    if (c.tlsOnly) throw without('tls-only', 'tls-cert');
    if (c.https) throw without('https', 'tls-cert');
    return;
  }
  if (c.tlsVerifyPeer && c.tlsCa === undefined) throw without('tls-verify-peer', 'tls-ca');
  if (!c.tlsOnly && c.tlsPort !== 0 && c.tlsPort === c.dicomPort)
    throw new ConfigError(
      `--tls-port ${c.tlsPort} is also --dicom-port: give TLS its own port, or --tls-only`,
    );
  const files: [string, string | undefined][] = [
    ['tls-cert', c.tlsCert],
    ['tls-key', c.tlsKey],
    ['tls-ca', c.tlsCa],
  ];
  for (const [flag, file] of files) if (file !== undefined) checkFile(file, flag);
}

/** A file option: it must exist, be a regular file and be readable now. */
function checkFile(file: string, flag: string): void {
  try {
    if (!statSync(file).isFile()) throw new ConfigError(`--${flag}: ${file} is not a file`);
    accessSync(file, constants.R_OK);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(
      `--${flag}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/** The conformance statement formats: Markdown or HTML. */
export const CONFORMANCE_FORMATS = ['md', 'html'] as const;
export type ConformanceFormat = (typeof CONFORMANCE_FORMATS)[number];

export interface ConformanceArgs {
  help: boolean;
  /** The printer (AE title) to describe; absent: every printer. */
  printer?: string;
  format: ConformanceFormat;
  config: Config;
}

export function conformanceUsage(): string {
  return [
    'Usage: lightbox conformance [--printer <AE title>] [--format md|html] [options]',
    '',
    'Print the DICOM Conformance Statement of a printer (every printer when --printer is left out),',
    'generated from its profile and the options below, to stdout; then exit.',
    '',
    '  --printer <AE title>         the printer to describe',
    '  --format <md|html>           Markdown (default) or HTML',
    '  options                      as for lightbox (see lightbox --help): --printers, --max-pdu, ...',
  ].join('\n');
}

/**
 * `lightbox conformance ...`: the options of lightbox itself (they set the limits the statement
 * states), plus --printer and --format. Nothing is created: the data directory is not needed.
 */
export function parseConformanceArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): ConformanceArgs {
  const { values, config, explicit } = readOptions(argv, env, cwd, {
    printer: { type: 'string' },
    format: { type: 'string' },
  });
  const format = (values['format'] ?? 'md') as string;
  if (!(CONFORMANCE_FORMATS as readonly string[]).includes(format))
    throw new ConfigError(`--format: must be md or html (got "${format}")`);
  const help = values['help'] === true;
  if (!help) {
    config.printersDir = checkPrintersDir(config.printersDir!, explicit.has('printersDir'));
  }
  const printer = values['printer'];
  return {
    help,
    format: format as ConformanceFormat,
    config,
    ...(typeof printer === 'string' ? { printer } : {}),
  };
}

/** argv and env through OPTIONS (and any extra flags): the values, nothing checked on disk yet. */
function readOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  extra: Record<string, { type: 'string' | 'boolean' }>,
): { values: Record<string, string | boolean | undefined>; config: Config; explicit: Set<string> } {
  const spec: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' }, ...extra };
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
    if ((o.kind === 'optional' || o.kind === 'file' || o.kind === 'database') && raw === '')
      out[o.key] = undefined;
    if (o.kind === 'dir' || (o.kind === 'file' && raw !== '')) out[o.key] = resolve(cwd, raw);
    if (o.kind === 'database' && raw !== '' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(raw))
      out[o.key] = resolve(cwd, raw);
  }
  return { values, config: out as unknown as Config, explicit };
}

/**
 * A --database value as written: a SQLite file path (returned as is) or a postgres:// URL with a host
 * and a database; anything else is a one-line ConfigError that never quotes the password.
 */
export function checkDatabase(raw: string, from: string, max = MAX_STRING): string {
  // The password is never quoted back.
  const shown = raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
  const badUrl = (why: string) => new ConfigError(`${from}: ${why} (got ${quoted(shown)})`);
  if (raw.length > max) throw badUrl(`must be at most ${max} characters`);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return raw;
  const example = '(postgres://user:password@host:5432/database)';
  if (!/^postgres(ql)?:\/\//i.test(raw))
    throw badUrl('must be a SQLite file path or a postgres:// URL (no other database is supported)');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw badUrl(`is not a valid postgres:// URL ${example}`);
  }
  if (!u.hostname && !u.searchParams.get('host')) throw badUrl(`names no host ${example}`);
  if (u.pathname.length <= 1) throw badUrl(`names no database ${example}`);
  return raw;
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
