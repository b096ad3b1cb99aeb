/**
 * Scenario files: the shipped ones load and say what they do; a bad file stops start-up with the
 * file, the key and why (in-process, and through the built entry point: exit 2).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { loadScenarios, parseScenario, ScenarioError } from '../../src/lab/scenarios.js';
import { Lightbox } from '../../src/lightbox.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SHIPPED = join(root, 'scenarios');
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'lightbox-scenarios-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function scenarioError(text: string, file = 'bad.yaml'): string {
  try {
    parseScenario(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    expect((e as Error).message).not.toContain('\n');
    expect((e as Error).message).not.toMatch(/[:\s]$/);
    return (e as Error).message;
  }
  throw new Error(`expected a ScenarioError for ${text}`);
}

describe('shipped scenarios', () => {
  const all = loadScenarios(SHIPPED);

  it('reproduce the field failures of design/field.md section 4', () => {
    expect(all.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'queue-full',
        'film-jam-mid-job',
        'slow-printer',
        'memory-exhausted',
        'status-flapping',
        'refuse-associations',
        'abort-mid-session',
      ]),
    );
    for (const s of all) expect(s.description.length, s.name).toBeGreaterThan(40);
  });

  it('resolve to what their names promise', () => {
    const by = (n: string) => all.find((s) => s.name === n)!.faults.map((f) => f.resolved.description);
    expect(by('queue-full')).toEqual([
      'every N-ACTION on Basic Film Box answers 0xC602 Print queue full (film box)',
      'every N-ACTION on Basic Film Session answers 0xC601 Print queue full (film session)',
    ]);
    expect(by('memory-exhausted')[0]).toBe(
      'every N-SET on Basic Grayscale Image Box where Rows >= 2048 answers 0xC605 Insufficient memory',
    );
    expect(by('film-jam-mid-job')).toEqual(['printer FAILURE FILM JAM when a job reaches PRINTING']);
    expect(by('refuse-associations')[0]).toMatch(/transient, source 3, local-limit-exceeded \(2\)/);
    expect(by('abort-mid-session')[0]).toMatch(/^A-ABORT .* on next N-ACTION on Basic Film Box, unanswered$/);
  });

  it('README documents every shipped scenario', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(join(SHIPPED, 'README.md'), 'utf8');
    for (const s of all) expect(readme, s.name).toContain(`\`${s.name}\``);
  });

  it('each says what a careful modality does (expectations), every kind documented in the README', async () => {
    const { readFileSync } = await import('node:fs');
    const { EXPECTATION_KINDS } = await import('../../src/lab/expectation-schema.js');
    const readme = readFileSync(join(SHIPPED, 'README.md'), 'utf8');
    for (const s of all) {
      expect(s.expectations.length, s.name).toBeGreaterThan(0);
      for (const [i, x] of s.expectations.entries())
        expect(x).toMatchObject({ id: `${s.name}#${i + 1}`, scenario: s.name });
    }
    for (const k of EXPECTATION_KINDS) expect(readme, k).toContain(`| \`${k}\``);
    const kinds = (n: string) => all.find((s) => s.name === n)!.expectations.map((x) => x.kind);
    expect(kinds('memory-exhausted')).toEqual([
      'no-print-after-failed-set',
      'release-after-failure',
      'answer-events',
    ]);
    expect(all.find((s) => s.name === 'queue-full')!.expectations[0]).toMatchObject({
      kind: 'retry',
      after: { command: 'N-ACTION', statuses: [0xc602, 0xc601] },
      notSoonerThan: 5,
      atLeast: 1,
      atMost: 3,
    });
  });
});

describe('bad scenario files', () => {
  it.each([
    ['faults: []', "bad.yaml: /: must have required property 'description'"],
    ['description: 42\nfaults: [{ kind: delay, ms: 5 }]', 'bad.yaml: /description: must be string'],
    ['description: long enough\nfaults: []', 'bad.yaml: /faults: must NOT have fewer than 1 items'],
    [
      'description: d\nfaults: [{ kind: response }]',
      "bad.yaml: /faults/0: must have required property 'status'",
    ],
    [
      'description: d\nfaults: [{ kind: delay, ms: 5 }, { kind: nap }]',
      'bad.yaml: /faults/1/kind: must be one of',
    ],
    [
      'description: d\nfaults: [{ kind: response, status: 0xC605, sopClass: Toaster }]',
      'bad.yaml: /faults/0/sopClass: unknown SOP class "Toaster"',
    ],
    [
      'description: d\nfaults: [{ kind: response, status: Out of toner }]',
      'bad.yaml: /faults/0/status: unknown status "Out of toner"',
    ],
    [
      'description: d\nfaults: [{ kind: delay, ms: 5 }]\nextra: 1',
      'bad.yaml: /: must NOT have additional properties "extra"',
    ],
    ['description: d\n  faults: [', 'bad.yaml: not valid YAML/JSON'],
    [
      'description: d\ndescription: e',
      'bad.yaml: not valid YAML/JSON: Map keys must be unique at line 2, column 1',
    ],
  ])('%j -> %s', (text, message) => {
    expect(scenarioError(text)).toContain(message);
  });

  it('JSON works as well as YAML; names come from the file name', () => {
    const s = parseScenario(
      '{"description":"d","printer":"LIGHTBOX","faults":[{"kind":"delay","ms":5}]}',
      '/x/slow.json',
    );
    expect(s).toMatchObject({ name: 'slow', printers: ['LIGHTBOX'] });
    expect(scenarioError('description: d\nfaults: [{kind: delay, ms: 5}]', '/x/no good.yaml')).toMatch(
      /file name/,
    );
  });

  it('two files with one name', () => {
    const dir = join(tmp, 'dupes');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.yaml'), 'description: d\nfaults: [{ kind: delay, ms: 5 }]\n');
    writeFileSync(join(dir, 'a.json'), '{"description":"d","faults":[{"kind":"delay","ms":5}]}');
    expect(() => loadScenarios(dir)).toThrow(/a.yaml: scenario "a" is already defined by .*a.json/);
  });

  it('a file over 256 KiB is refused before it is read; printer lists are bounded', () => {
    const dir = join(tmp, 'huge');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'huge.yaml'),
      `description: ${'x'.repeat(1024 * 1024)}\nfaults: [{ kind: delay, ms: 5 }]\n`,
    );
    expect(() => loadScenarios(dir)).toThrow(/huge\.yaml: \d+ bytes; a scenario may have at most 262144/);
    expect(
      scenarioError(`description: d\nprinter: [${'A,'.repeat(300)}B]\nfaults: [{ kind: delay, ms: 5 }]`),
    ).toContain('bad.yaml: /printer');
  });
});

describe('start-up', () => {
  const config = (o: Partial<Config>): Config => ({
    dicomPort: 0,
    httpPort: 0,
    host: '127.0.0.1',
    dataDir: join(tmp, 'data'),
    printersDir: undefined,
    maxPduLength: 65536,
    maxAssociations: 4,
    maxDatasetBytes: 1 << 20,
    artimTimeoutMs: 1000,
    idleTimeoutMs: 1000,
    shutdownGraceMs: 100,
    logLevel: 'silent',
    dumpMessages: false,
    noRender: true,
    apiToken: undefined,
    ...o,
  });
  const logger = pino({ level: 'silent' });

  it('a bad file stops Lightbox (ScenarioError naming file and key)', () => {
    const dir = join(tmp, 'bad');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'jam.yaml'),
      'description: d\nfaults: [{ kind: printer-status, status: FAILURE }]\n',
    );
    expect(() => new Lightbox(config({ scenariosDir: dir }), logger)).toThrow(
      /jam.yaml: \/faults\/0\/when: give exactly one of when, afterFilms/,
    );
  });

  it('--scenario arms scenarios at start-up; an unknown one stops it', () => {
    const lb = new Lightbox(
      config({ scenariosDir: SHIPPED, scenario: 'queue-full, memory-exhausted' }),
      logger,
    );
    const armed = lb.lab.faults()[0]!.faults;
    expect(armed.map((f) => f.source)).toEqual([
      'start-up scenario queue-full',
      'start-up scenario queue-full',
      'start-up scenario memory-exhausted',
      'start-up scenario memory-exhausted',
    ]);
    expect(() => new Lightbox(config({ scenariosDir: SHIPPED, scenario: 'nope' }), logger)).toThrow(
      /--scenario nope: no such scenario \(have: abort-mid-session, /,
    );
  });

  it('the built entry point exits 2 with the file, the key and why', () => {
    const main = join(root, 'dist/src/main.js');
    const started = Date.now();
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe', timeout: 150_000 });
    } catch (e) {
      // tsc emits despite type errors elsewhere; only a stale entry point would make this moot.
      if (!(existsSync(main) && statSync(main).mtimeMs >= started - 1000)) throw e;
    }
    const dir = join(tmp, 'cli');
    mkdirSync(dir);
    writeFileSync(join(dir, 'slow.yaml'), 'description: d\nfaults: [{ kind: delay, ms: -1 }]\n');
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LIGHTBOX_')));
    const r = spawnSync(process.execPath, [main, '--scenarios', dir, '--data-dir', join(tmp, 'cli-data')], {
      cwd: tmp,
      env,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^lightbox: .*slow\.yaml: \/faults\/0\/ms: must be >= 1$/);
  }, 180_000);
});
