/** The SCU commands' shared command line: --to, --calling, --data-dir, --timeout-ms, each command's own. */
import { describe, expect, it } from 'vitest';
import { parseSendArgs, UsageError } from '../../src/scu/send-args.js';

describe('parseSendArgs', () => {
  it('parses the target (IPv6 in brackets), the data directory and the run options', () => {
    const a = parseSendArgs(
      ['x', '--to', '[::1]:104:DRYPIX', '--calling', 'QA', '--timeout-ms', '5000', '--json'],
      { LIGHTBOX_DATA_DIR: 'store' },
      '/home/lab',
      { json: { type: 'boolean' } },
    );
    expect(a).toMatchObject({
      help: false,
      positionals: ['x'],
      target: { host: '::1', port: 104, aeTitle: 'DRYPIX' },
      calling: 'QA',
      timeoutMs: 5000,
      dataDir: '/home/lab/store',
    });
    expect(a.values['json']).toBe(true);
    expect(parseSendArgs(['--to', 'h:1:A', '--data-dir', '/d'], {}, '/c').dataDir).toBe('/d');
    expect(parseSendArgs(['--to', 'h:1:A'], {}, '/c').dataDir).toBe('/c/var');
  });

  it("--database (or LIGHTBOX_DATABASE): a pool's postgres:// URL as given, a SQLite file resolved; checked as the server checks it", () => {
    const url = 'postgres://lb:secret@db:5432/lightbox';
    expect(parseSendArgs(['--to', 'h:1:A', '--database', url], {}, '/c').database).toBe(url);
    expect(parseSendArgs(['--to', 'h:1:A'], { LIGHTBOX_DATABASE: url }, '/c').database).toBe(url);
    expect(
      parseSendArgs(['--to', 'h:1:A', '--database', 'x.db'], { LIGHTBOX_DATABASE: url }, '/c').database,
    ).toBe('/c/x.db');
    expect(parseSendArgs(['--to', 'h:1:A'], {}, '/c').database).toBeUndefined();
    for (const [db, message] of [
      ['mysql://h/db', /--database: must be a SQLite file path or a postgres:\/\/ URL/],
      ['postgres://lb:secret@h', /--database: names no database .*lb:\*\*\*@h/],
      ['', /--database: a SQLite file path or a postgres:\/\/ URL/],
    ] as const) {
      expect(() => parseSendArgs(['--to', 'h:1:A', '--database', db], {}, '/')).toThrow(message);
      expect(() => parseSendArgs(['--to', 'h:1:A', '--database', db], {}, '/')).not.toThrow(/secret/);
    }
  });

  it('--help answers without a target; every mistake is a UsageError that names the option', () => {
    expect(parseSendArgs(['--help'], {}, '/').help).toBe(true);
    const bad: [string[], RegExp][] = [
      [[], /--to HOST:PORT:AE is required/],
      [['--to', 'host:104'], /not HOST:PORT:AE/],
      [['--to', 'host:70000:AE'], /port 1-65535/],
      [['--to', 'h:1:A', '--timeout-ms', '0'], /--timeout-ms: an integer from 1 to 600000/],
      [['--to', 'h:1:A', '--calling', 'SEVENTEEN-CHARS-X'], /--calling/],
      [['--to', 'h:1:A', '--nope'], /Unknown option '--nope'/],
    ];
    for (const [argv, message] of bad) {
      expect(() => parseSendArgs(argv, {}, '/'), argv.join(' ')).toThrow(UsageError);
      expect(() => parseSendArgs(argv, {}, '/'), argv.join(' ')).toThrow(message);
    }
  });
});
