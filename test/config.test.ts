/** parseConfig(): defaults, flags over environment, value parsing and directory checks. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Config,
  ConfigError,
  defaultConfig,
  defaultMaxInflight,
  MAX_TIMER_MS,
  OPTIONS,
  parseConfig,
  parseConformanceArgs,
  usage,
} from '../src/config/config.js';

let tmp: string;
/** Directories chmod'ed by a test, given their rights back before clean-up. */
const locked: string[] = [];

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'lightbox-config-'));
});

afterEach(() => {
  for (const d of locked.splice(0)) if (existsSync(d)) chmodSync(d, 0o700);
  rmSync(tmp, { recursive: true, force: true });
});

/** parseConfig with cwd in the temp dir, so the default ./var and ./printers land there. */
function config(argv: string[] = [], env: NodeJS.ProcessEnv = {}): Config {
  return parseConfig(argv, env, tmp).config;
}

/** The ConfigError thrown by parsing argv and env (fails the test if something else happens). */
function configError(argv: string[], env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseConfig(argv, env, tmp);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const message = (e as Error).message;
    // One clear line: main.ts prints it as is.
    expect(message).not.toContain('\n');
    return e as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(argv)} ${JSON.stringify(env)}`);
}

describe('defaults', () => {
  it('uses the documented defaults with no flags and no environment', () => {
    const { config: c, help } = parseConfig([], {}, tmp);
    expect(help).toBe(false);
    expect(c.dicomPort).toBe(11112);
    expect(c.httpPort).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.dataDir).toBe(join(tmp, 'var'));
    expect(c.maxPduLength).toBe(256 * 1024);
    expect(c.maxAssociations).toBe(64);
    expect(c.maxDatasetBytes).toBe(256 * 1024 * 1024);
    expect(c.artimTimeoutMs).toBe(30_000);
    expect(c.idleTimeoutMs).toBe(300_000);
    expect(c.shutdownGraceMs).toBe(10_000);
    expect(c.logLevel).toBe('info');
    expect(c.dumpMessages).toBe(false);
  });

  it('creates the data directory (./var, resolved against cwd) when missing', () => {
    expect(existsSync(join(tmp, 'var'))).toBe(false);
    const c = config();
    expect(c.dataDir).toBe(join(tmp, 'var'));
    expect(statSync(c.dataDir).isDirectory()).toBe(true);
  });

  it('has no printers directory when the default ./printers is missing', () => {
    expect(config().printersDir).toBeUndefined();
  });

  it('uses ./printers when it exists in cwd', () => {
    mkdirSync(join(tmp, 'printers'));
    expect(config().printersDir).toBe(join(tmp, 'printers'));
  });

  it('ignores empty environment variables', () => {
    expect(config([], { LIGHTBOX_DICOM_PORT: '', LIGHTBOX_HTTP_PORT: '' })).toMatchObject({
      dicomPort: 11112,
      httpPort: 8080,
    });
  });

  it('every option default parses', () => {
    // Defaults go through the same parser as user values; a bad default would throw here.
    expect(() => config()).not.toThrow();
    // Only optional settings (the API token, TLS files) and lists (allowed hosts) may default to nothing.
    for (const o of OPTIONS)
      if (o.kind !== 'optional' && o.kind !== 'database' && o.kind !== 'hosts' && o.kind !== 'file')
        expect(o.default, o.flag).not.toBe('');
    expect(config().apiToken).toBeUndefined();
    expect(config(['--api-token', 's3cret']).apiToken).toBe('s3cret');
    expect(config([], { LIGHTBOX_API_TOKEN: 'env-token' }).apiToken).toBe('env-token');
  });
});

describe('flags and environment', () => {
  it('takes values from the environment when no flag is given', () => {
    const c = config([], {
      LIGHTBOX_DICOM_PORT: '4242',
      LIGHTBOX_HTTP_PORT: '9090',
      LIGHTBOX_HOST: '127.0.0.1',
      LIGHTBOX_DATA_DIR: 'data',
      LIGHTBOX_MAX_PDU: '64K',
      LIGHTBOX_LOG_LEVEL: 'debug',
      LIGHTBOX_DUMP_MESSAGES: 'yes',
      LIGHTBOX_SHUTDOWN_GRACE: '2.5',
    });
    expect(c).toMatchObject({
      dicomPort: 4242,
      httpPort: 9090,
      host: '127.0.0.1',
      dataDir: join(tmp, 'data'),
      maxPduLength: 65536,
      logLevel: 'debug',
      dumpMessages: true,
      shutdownGraceMs: 2500,
    });
  });

  it('flags beat the environment', () => {
    const c = config(
      ['--dicom-port', '1000', '--data-dir', 'from-flag', '--log-level', 'warn', '--dump-messages'],
      {
        LIGHTBOX_DICOM_PORT: '2000',
        LIGHTBOX_DATA_DIR: 'from-env',
        LIGHTBOX_LOG_LEVEL: 'error',
        LIGHTBOX_DUMP_MESSAGES: 'false',
      },
    );
    expect(c.dicomPort).toBe(1000);
    expect(c.dataDir).toBe(join(tmp, 'from-flag'));
    expect(existsSync(join(tmp, 'from-env'))).toBe(false);
    expect(c.logLevel).toBe('warn');
    expect(c.dumpMessages).toBe(true);
  });

  it('a flag wins even over an invalid environment value', () => {
    expect(config(['--http-port', '9000'], { LIGHTBOX_HTTP_PORT: 'abc' }).httpPort).toBe(9000);
  });

  it('accepts --flag=value', () => {
    expect(config(['--http-port=8181']).httpPort).toBe(8181);
  });

  it('--help is reported, not acted on: no directory is created or checked', () => {
    expect(parseConfig(['--help', '--printers', join(tmp, 'nope')], {}, tmp).help).toBe(true);
    expect(existsSync(join(tmp, 'var'))).toBe(false);
  });
});

describe('bad values', () => {
  it.each(['70000', 'abc', '80.5', '1e3'])('port %s from a flag names the flag', (raw) => {
    const e = configError(['--dicom-port', raw]);
    expect(e.message).toContain('--dicom-port');
    expect(e.message).toContain(raw);
  });

  it('a negative port is rejected (as --dicom-port=-1; "--dicom-port -1" is ambiguous to parseArgs)', () => {
    expect(configError(['--dicom-port=-1']).message).toContain('--dicom-port');
    expect(configError(['--dicom-port', '-1']).message).toContain('--dicom-port');
  });

  it.each(['70000', 'abc'])('port %s from the environment names the variable', (raw) => {
    const e = configError([], { LIGHTBOX_HTTP_PORT: raw });
    expect(e.message).toContain('LIGHTBOX_HTTP_PORT');
    expect(e.message).toContain(raw);
  });

  it('rejects an unknown flag, naming it', () => {
    expect(configError(['--bogus']).message).toContain('--bogus');
  });

  it('rejects positional arguments', () => {
    configError(['extra']);
  });

  it('rejects a flag without its value', () => {
    expect(configError(['--dicom-port']).message).toContain('--dicom-port');
  });

  it('rejects a log level it does not know', () => {
    expect(configError(['--log-level', 'loud']).message).toContain('--log-level');
  });

  it('rejects non-positive counts and timeouts', () => {
    expect(configError(['--max-associations', '0']).message).toContain('--max-associations');
    expect(configError(['--max-associations', '1.5']).message).toContain('--max-associations');
    expect(configError([], { LIGHTBOX_IDLE_TIMEOUT: 'soon' }).message).toContain('LIGHTBOX_IDLE_TIMEOUT');
  });
});

describe('HTTP access', () => {
  it('--allowed-hosts: a comma-separated list of names and addresses, lower case; * allowed', () => {
    expect(config().allowedHosts).toEqual([]);
    expect(config(['--allowed-hosts', 'Lightbox.Lab, 10.0.0.7,[::1]']).allowedHosts).toEqual([
      'lightbox.lab',
      '10.0.0.7',
      '[::1]',
    ]);
    expect(config([], { LIGHTBOX_ALLOWED_HOSTS: '*' }).allowedHosts).toEqual(['*']);
    for (const bad of ['http://lightbox.lab', 'lightbox.lab:8080', 'a b', 'lab/x'])
      expect(configError(['--allowed-hosts', bad]).message, bad).toContain('--allowed-hosts');
  });

  it('--protect-reads: a switch, also from LIGHTBOX_PROTECT_READS', () => {
    expect(config().protectReads).toBe(false);
    expect(config(['--protect-reads']).protectReads).toBe(true);
    expect(config([], { LIGHTBOX_PROTECT_READS: 'true' }).protectReads).toBe(true);
  });

  it('--help says what happens without a token: loopback clients only, whatever --host', () => {
    const text = usage();
    const token = text.split('\n').find((l) => l.includes('--api-token'))!;
    expect(token).toContain('unset: accepted only from clients on this machine (loopback source address)');
    expect(token).toContain('refused (403) from any other');
    expect(text).toContain('whatever --host is');
    expect(text).toMatch(/--protect-reads[\s\S]*--allowed-hosts/);
    // Nothing that reads as "requests from loopback are allowed" with a token set.
    expect(text).toContain('this machine included; 401 without it');
  });
});

describe('byte sizes', () => {
  it.each([
    ['256K', 256 * 1024],
    ['64M', 64 * 1024 * 1024],
    ['64m', 64 * 1024 * 1024],
    ['16KiB', 16 * 1024],
    ['65536', 65536],
    ['1G', 1024 ** 3],
  ])('%s is %i bytes', (raw, bytes) => {
    expect(config(['--max-pdu', raw]).maxPduLength).toBe(bytes);
    expect(config([], { LIGHTBOX_MAX_DATASET: raw }).maxDatasetBytes).toBe(bytes);
  });

  it.each(['1K', '4G', '12X', 'lots', ''])('rejects %j', (raw) => {
    expect(configError(['--max-pdu', raw]).message).toContain('--max-pdu');
  });
});

describe('--max-inflight', () => {
  it('auto by default: 1/32 of memory within 256M..1G (768M on a 24 GiB machine)', () => {
    expect(config().maxInflightBytes).toBeUndefined();
    expect(config(['--max-inflight', 'auto']).maxInflightBytes).toBeUndefined();
    const GiB = 1024 ** 3;
    expect(defaultMaxInflight(24 * GiB)).toBe(768 * 1024 ** 2);
    expect(defaultMaxInflight(2 * GiB)).toBe(256 * 1024 ** 2);
    expect(defaultMaxInflight(256 * GiB)).toBe(GiB);
  });

  it.each([
    ['1M', 1024 ** 2],
    ['512M', 512 * 1024 ** 2],
    ['2G', 2 * 1024 ** 3],
    ['64G', 64 * 1024 ** 3],
  ])('%s is %i bytes', (raw, bytes) => {
    expect(config(['--max-inflight', raw]).maxInflightBytes).toBe(bytes);
    expect(config([], { LIGHTBOX_MAX_INFLIGHT: raw }).maxInflightBytes).toBe(bytes);
  });

  it.each([
    ['512K', 'at least 1M'],
    ['0', 'at least 1M'],
    ['65G', 'at most 64G'],
    ['1e400', 'a byte size'],
    ['lots', 'a byte size'],
    ['', 'a byte size'],
  ])('rejects %j: %s', (raw, why) => {
    const e = configError(['--max-inflight', raw]);
    expect(e.message).toContain('--max-inflight');
    expect(e.message).toContain(why);
  });
});

describe('disk space and retention', () => {
  it('defaults: 1G minimum free space, 20G of films, no age or count limit', () => {
    const c = config();
    expect(c.minFreeSpace).toEqual({ bytes: 1024 ** 3 });
    expect(c.retentionMaxBytes).toBe(20 * 1024 ** 3);
    expect(c.retentionMaxAgeMs).toBeUndefined();
    expect(c.retentionMaxFilms).toBeUndefined();
  });

  it.each([
    ['512M', { bytes: 512 * 1024 ** 2 }],
    ['2G', { bytes: 2 * 1024 ** 3 }],
    ['1T', { bytes: 1024 ** 4 }],
    ['65536', { bytes: 65536 }],
    ['5%', { percent: 5 }],
    ['2.5%', { percent: 2.5 }],
    ['100%', { percent: 100 }],
    ['0', undefined],
    ['0%', undefined],
    ['off', undefined],
  ])('--min-free-space %s', (raw, expected) => {
    expect(config(['--min-free-space', raw]).minFreeSpace).toEqual(expected);
    expect(config([], { LIGHTBOX_MIN_FREE_SPACE: raw }).minFreeSpace).toEqual(expected);
  });

  it.each(['lots', '5 percent', '101%', '-1G', '1Q', '%'])(
    '--min-free-space %s is one clear error',
    (raw) => {
      const e = configError([`--min-free-space=${raw}`]);
      expect(e.message).toContain('--min-free-space');
      expect(e.message).toContain(raw);
    },
  );

  it('LIGHTBOX_MIN_FREE_SPACE with a bad value names the variable', () => {
    expect(configError([], { LIGHTBOX_MIN_FREE_SPACE: 'plenty' }).message).toContain(
      'LIGHTBOX_MIN_FREE_SPACE',
    );
  });

  it.each([
    ['30d', 30 * 86_400_000],
    ['12h', 12 * 3_600_000],
    ['90m', 90 * 60_000],
    ['45s', 45_000],
    ['2w', 14 * 86_400_000],
    ['1.5h', 90 * 60_000],
    ['off', undefined],
    ['0', undefined],
  ])('--retention-max-age %s', (raw, ms) => {
    expect(config(['--retention-max-age', raw]).retentionMaxAgeMs).toBe(ms);
    expect(config([], { LIGHTBOX_RETENTION_MAX_AGE: raw }).retentionMaxAgeMs).toBe(ms);
  });

  it.each(['30', 'forever', '0d', '3 days', '-1d'])('--retention-max-age %s is one clear error', (raw) => {
    expect(configError([`--retention-max-age=${raw}`]).message).toContain('--retention-max-age');
  });

  it.each([
    ['20G', 20 * 1024 ** 3],
    ['500M', 500 * 1024 ** 2],
    ['2T', 2 * 1024 ** 4],
    ['0', undefined],
    ['off', undefined],
  ])('--retention-max-bytes %s (no 4G ceiling)', (raw, bytes) => {
    expect(config(['--retention-max-bytes', raw]).retentionMaxBytes).toBe(bytes);
  });

  it.each(['big', '5%', '1.5.2G'])('--retention-max-bytes %s is one clear error', (raw) => {
    expect(configError([`--retention-max-bytes=${raw}`]).message).toContain('--retention-max-bytes');
  });

  it.each([
    ['500', 500],
    ['1', 1],
    ['0', undefined],
    ['', undefined],
    ['off', undefined],
  ])('--retention-max-films "%s"', (raw, n) => {
    expect(config([`--retention-max-films=${raw}`]).retentionMaxFilms).toBe(n);
  });

  it.each(['many', '2.5', '-3'])('--retention-max-films %s is one clear error', (raw) => {
    expect(configError([`--retention-max-films=${raw}`]).message).toContain('--retention-max-films');
    expect(configError([], { LIGHTBOX_RETENTION_MAX_FILMS: raw }).message).toContain(
      'LIGHTBOX_RETENTION_MAX_FILMS',
    );
  });
});

describe('connections that have not associated', () => {
  it('defaults: 256 in all, 32 per peer address, 5 s to send the A-ASSOCIATE-RQ', () => {
    expect(config()).toMatchObject({
      maxUnassociated: 256,
      maxUnassociatedPerPeer: 32,
      associateTimeoutMs: 5000,
    });
  });

  it('flags and environment', () => {
    expect(
      config(['--max-unassociated=10', '--associate-timeout=0.5'], {
        LIGHTBOX_MAX_UNASSOCIATED_PER_PEER: '3',
      }),
    ).toMatchObject({ maxUnassociated: 10, maxUnassociatedPerPeer: 3, associateTimeoutMs: 500 });
  });

  it.each([
    ['--associate-timeout', '0', 'positive'],
    ['--associate-timeout', '601', 'at most 600 seconds'],
    ['--max-unassociated', '9000', 'at most 8192'],
    ['--max-unassociated-per-peer', '0', 'positive'],
  ])('%s %s: "%s"', (flag, raw, why) => {
    expect(configError([`${flag}=${raw}`]).message).toContain(why);
  });
});

describe('upper bounds: what a timer, a buffer or a loop cannot honour stops start-up', () => {
  it.each([
    ['--artim-timeout', '3000000', 'at most 600 seconds'],
    ['--artim-timeout', '601', 'at most 600 seconds'],
    ['--idle-timeout', '1000000000000', 'at most 86400 seconds'],
    ['--shutdown-grace', '99999', 'at most 3600 seconds'],
    ['--idle-timeout', '0.0001', 'at least 0.001 seconds'],
    ['--max-associations', '100000', 'at most 1024'],
    ['--retention-max-bytes', `${'9'.repeat(400)}T`, 'at most 1024T'],
    ['--retention-max-bytes', '1025T', 'at most 1024T'],
    ['--min-free-space', '2000T', 'at most 1024T'],
    ['--retention-max-age', '40000d', 'at most 36500d'],
    ['--retention-max-films', '1'.repeat(30), 'at most 100000000'],
    ['--host', 'h'.repeat(256), 'at most 255 characters'],
    ['--api-token', 't'.repeat(5000), 'at most 4096 characters'],
    ['--data-dir', `/tmp/${'d'.repeat(5000)}`, 'at most 4096 characters'],
  ])('%s %s: "%s"', (flag, raw, why) => {
    const e = configError([`${flag}=${raw}`]);
    expect(e.message).toContain(flag);
    expect(e.message).toContain(why);
    // A long value is quoted in part, so the one line stays readable.
    expect(e.message.length).toBeLessThan(300);
  });

  it('names the environment variable for a bound broken there', () => {
    expect(configError([], { LIGHTBOX_ARTIM_TIMEOUT: '3000000' }).message).toMatch(
      /^LIGHTBOX_ARTIM_TIMEOUT: must be at most 600 seconds/,
    );
  });

  it('a value with a line break stays on one line in the error', () => {
    configError([], { LIGHTBOX_IDLE_TIMEOUT: '5\n6' });
  });

  it('every timer bound fits in setTimeout (2^31-1 ms)', () => {
    for (const o of OPTIONS.filter((x) => x.kind === 'seconds')) {
      expect(o.max, o.flag).toBeDefined();
      expect(o.max! * 1000, o.flag).toBeLessThanOrEqual(MAX_TIMER_MS);
    }
  });

  it('the bounds themselves are accepted', () => {
    const c = config([
      '--artim-timeout=600',
      '--idle-timeout=86400',
      '--shutdown-grace=3600',
      '--max-associations=1024',
      '--retention-max-bytes=1024T',
      '--retention-max-age=36500d',
      '--retention-max-films=100000000',
    ]);
    expect(c).toMatchObject({
      artimTimeoutMs: 600_000,
      idleTimeoutMs: 86_400_000,
      shutdownGraceMs: 3_600_000,
      maxAssociations: 1024,
      retentionMaxBytes: 1024 ** 5,
      retentionMaxAgeMs: 36_500 * 86_400_000,
      retentionMaxFilms: 100_000_000,
    });
  });
});

describe('DICOM TLS and HTTPS', () => {
  /** Two readable files standing in for a certificate and key (their content is checked at start). */
  function pemFiles(): { cert: string; key: string; ca: string } {
    const f = { cert: join(tmp, 'c.pem'), key: join(tmp, 'k.pem'), ca: join(tmp, 'ca.pem') };
    for (const p of Object.values(f)) writeFileSync(p, 'pem');
    return f;
  }

  it('off by default; --tls-port defaults to 2762', () => {
    const c = config();
    expect(c.tlsCert).toBeUndefined();
    expect(c.tlsKey).toBeUndefined();
    expect(c.tlsPort).toBe(2762);
    expect(c.tlsVerifyPeer).toBe(false);
    expect(c.tlsOnly).toBe(false);
    expect(c.https).toBe(false);
  });

  it('takes flags and environment; relative paths resolve against the working directory', () => {
    const f = pemFiles();
    const c = config(['--tls-cert', 'c.pem', '--tls-ca', f.ca, '--tls-verify-peer', '--tls-port', '11113'], {
      LIGHTBOX_TLS_KEY: 'k.pem',
      LIGHTBOX_HTTPS: 'true',
    });
    expect(c).toMatchObject({
      tlsCert: f.cert,
      tlsKey: f.key,
      tlsCa: f.ca,
      tlsVerifyPeer: true,
      tlsPort: 11113,
      https: true,
    });
  });

  it.each([
    [['--tls-cert', 'c.pem'], '--tls-cert needs --tls-key'],
    [['--tls-key', 'k.pem'], '--tls-key needs --tls-cert'],
    [['--tls-ca', 'ca.pem'], '--tls-ca needs --tls-cert'],
    [['--tls-verify-peer'], '--tls-verify-peer needs --tls-cert'],
    [['--tls-only'], '--tls-only needs --tls-cert'],
    [['--https'], '--https needs --tls-cert'],
    [['--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--tls-verify-peer'], '--tls-verify-peer needs --tls-ca'],
    [['--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--tls-port', '11112'], 'is also --dicom-port'],
    [
      ['--tls-cert', 'missing.pem', '--tls-key', 'k.pem'],
      `--tls-cert: cannot read ${join('/', 'missing.pem')}`,
    ],
    [['--tls-cert', 'c.pem', '--tls-key', '.'], 'is not a file'],
  ])('%j: "%s"', (argv, why) => {
    pemFiles();
    const e = configError(argv);
    expect(e.message).toContain(why.replace(join('/', 'missing.pem'), join(tmp, 'missing.pem')));
  });

  it('an unreadable key file is a one-line error naming it', () => {
    const f = pemFiles();
    chmodSync(f.key, 0);
    if (process.getuid?.() === 0) return; // root reads anything
    expect(configError(['--tls-cert', f.cert, '--tls-key', f.key]).message).toMatch(
      /--tls-key: cannot read .*EACCES/,
    );
  });

  it('--tls-only may share the DICOM port number: there is no plain listener', () => {
    pemFiles();
    expect(
      config(['--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--tls-only', '--tls-port', '11112']).tlsOnly,
    ).toBe(true);
  });

  it('--help needs none of the files', () => {
    expect(parseConfig(['--help', '--tls-cert', 'nowhere.pem'], {}, tmp).help).toBe(true);
    expect(usage()).toMatch(/--tls-cert <file>.*LIGHTBOX_TLS_CERT/);
  });
});

describe('--database', () => {
  it('absent: the SQLite file in the data directory (Store decides); a path is resolved; a postgres:// URL is kept', () => {
    expect(config().database).toBeUndefined();
    expect(config(['--database', 'idx/lightbox.db']).database).toBe(join(tmp, 'idx/lightbox.db'));
    const url = 'postgres://lightbox:secret@db.lab:5432/lightbox';
    expect(config([], { LIGHTBOX_DATABASE: url }).database).toBe(url);
    expect(config(['--database', 'postgresql://db/lb?sslmode=require']).database).toBe(
      'postgresql://db/lb?sslmode=require',
    );
  });

  it.each([
    ['mysql://db/lb', 'no other database'],
    ['postgres:///lb', 'no host'],
    ['postgres://lightbox:hunter2@db.lab:5432', 'no database'],
    ['postgres://lightbox:hunter2@db.lab:99999/lb', 'not a valid'],
  ])('%s: one line, and the password is not in it', (raw, why) => {
    const m = configError(['--database', raw]).message;
    expect(m).toContain('--database');
    expect(m).toContain(why);
    expect(m).not.toContain('hunter2');
  });
});

describe('directories', () => {
  it('a data dir that is a file is an error naming it', () => {
    const file = join(tmp, 'file');
    writeFileSync(file, 'x');
    expect(configError(['--data-dir', file]).message).toContain(file);
  });

  it('a data dir under a file is an error', () => {
    const file = join(tmp, 'file');
    writeFileSync(file, 'x');
    expect(configError([], { LIGHTBOX_DATA_DIR: join(file, 'var') }).message).toContain(file);
  });

  it('an unreadable data dir is an error', () => {
    let dir: string;
    if (process.getuid?.() === 0) {
      // root ignores permission bits: a path under a regular file fails for everyone.
      const file = join(tmp, 'not-a-dir');
      writeFileSync(file, 'x');
      dir = join(file, 'data');
    } else {
      dir = join(tmp, 'locked');
      mkdirSync(dir);
      chmodSync(dir, 0o000);
      locked.push(dir);
    }
    expect(configError(['--data-dir', dir]).message).toContain(dir);
  });

  it('an explicit --printers that does not exist is an error naming it', () => {
    const missing = join(tmp, 'no-such-printers');
    expect(configError(['--printers', missing]).message).toBe(`printers directory ${missing} does not exist`);
  });

  it('a failed start creates no data directory', () => {
    configError(['--printers', join(tmp, 'no-such-printers')]);
    expect(existsSync(join(tmp, 'var'))).toBe(false);
  });

  it('a data dir that cannot be created (under /proc) fails at once instead of hanging', () => {
    const t0 = Date.now();
    expect(configError(['--data-dir', '/proc/lightbox-nope/var']).message).toMatch(
      /data directory .* is not usable/,
    );
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('LIGHTBOX_PRINTERS that does not exist is an error too (it is explicit)', () => {
    const missing = join(tmp, 'no-such-printers');
    expect(configError([], { LIGHTBOX_PRINTERS: missing }).message).toContain(missing);
  });

  it('--printers naming a file is an error', () => {
    const file = join(tmp, 'printers.yaml');
    writeFileSync(file, 'aeTitle: X\n');
    expect(configError(['--printers', file]).message).toContain(file);
  });

  it('an explicit relative --printers is resolved against cwd', () => {
    mkdirSync(join(tmp, 'profiles'));
    expect(config(['--printers', 'profiles']).printersDir).toBe(join(tmp, 'profiles'));
  });
});

describe('lightbox conformance', () => {
  it('defaultConfig(): every option at its default, nothing created', () => {
    const d = defaultConfig();
    const { dataDir, printersDir, scenariosDir, ...rest } = config();
    expect(d).toMatchObject(rest);
    expect(d.dataDir).toBe('./var');
    expect(existsSync(join(tmp, 'var'))).toBe(true); // made by config() above, not by defaultConfig()
  });

  it('takes --printer and --format with the options of lightbox, and creates no data directory', () => {
    const a = parseConformanceArgs(
      ['--printer', 'DRYSTAR5302', '--format', 'html', '--max-pdu', '16K'],
      {},
      tmp,
    );
    expect(a).toMatchObject({ help: false, printer: 'DRYSTAR5302', format: 'html' });
    expect(a.config.maxPduLength).toBe(16384);
    expect(a.config.printersDir).toBeUndefined();
    expect(existsSync(join(tmp, 'var'))).toBe(false);
    const d = parseConformanceArgs([], { LIGHTBOX_MAX_ASSOCIATIONS: '3' }, tmp);
    expect(d).toMatchObject({ help: false, format: 'md' });
    expect(d.printer).toBeUndefined();
    expect(d.config.maxAssociations).toBe(3);
  });

  it('refuses an unknown format or flag, and a missing --printers directory, in one line', () => {
    for (const argv of [['--format', 'pdf'], ['--bogus'], ['--printers', join(tmp, 'nope')]]) {
      expect(() => parseConformanceArgs(argv, {}, tmp), argv.join(' ')).toThrow(ConfigError);
    }
    expect(() => parseConformanceArgs(['--format', 'pdf'], {}, tmp)).toThrow(/--format: must be md or html/);
  });
});
