/**
 * The built entry point, end to end: exit codes and the one-line error on stderr, --help, and a real
 * start (DICOM + HTTP on 127.0.0.1), /healthz, then SIGTERM to a clean exit 0.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OPTIONS } from '../src/config/config.js';
import { Uid } from '../src/dicom/uids.js';
import { dcmPrint, generateImages, startDcmprscp } from './support/dcmprint.js';
import { Scu } from './support/scu.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(root, 'dist/src/main.js');

beforeAll(() => {
  const started = Date.now();
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe', timeout: 120_000 });
  } catch (e) {
    // tsc still emits on type errors (which the typecheck step reports); only a missing or stale
    // entry point makes these tests meaningless.
    const fresh = existsSync(MAIN) && statSync(MAIN).mtimeMs >= started - 1000;
    if (!fresh) throw e;
  }
}, 150_000);

let tmp: string;
const children = new Set<ChildProcess>();

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'lightbox-cli-'));
});

afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
  rmSync(tmp, { recursive: true, force: true });
});

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** The parent's environment without any LIGHTBOX_* setting, so only the test's arguments count. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LIGHTBOX_')));
}

interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
}

/** The built entry point with args, from a temporary directory. */
function start(args: string[]): Running {
  return launch(process.execPath, [MAIN, ...args], tmp);
}

/** file argv from cwd; group: in a process group of its own, as a shell runs a command. */
function launch(file: string, argv: string[], cwd: string, group = false): Running {
  const child = spawn(file, argv, {
    cwd,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: group,
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<number | string>((res) =>
    child.on('close', (code, signal) => res(code ?? signal ?? -1)),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timer = new Promise<never>((_, rej) => {
    t = setTimeout(() => rej(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([p, timer]).finally(() => clearTimeout(t));
}

/** The body of the first 200 from /healthz (within 10 s), or a failure saying why there was none. */
async function healthy(r: Running, httpPort: number): Promise<unknown> {
  let exitedEarly: number | string | undefined;
  void r.exited.then((c) => {
    exitedEarly = c;
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exitedEarly !== undefined) throw new Error(`exited early (${exitedEarly}): ${r.stderr()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}/healthz`, {
        signal: AbortSignal.timeout(1000),
      });
      if (res.status === 200) return await res.json();
    } catch {
      // not listening yet
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no 200 from /healthz within 10 s; stderr: ${r.stderr()}`);
}

/** Run to completion (killed after 15 s). */
async function run(args: string[]) {
  const r = start(args);
  const code = await withTimeout(r.exited, 15_000, `lightbox ${args.join(' ')}`);
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

/** A port free right now: bind to 0, read it, close. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Start-up failures: non-zero exit, exactly one stderr line "lightbox: ...". */
async function expectOneLineFailure(args: string[]): Promise<string> {
  const { code, stderr } = await run(args);
  expect(code).not.toBe(0);
  expect(typeof code).toBe('number');
  const lines = stderr.replace(/\n$/, '').split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^lightbox: /);
  return lines[0]!;
}

describe('start-up errors', () => {
  it('an unknown flag', async () => {
    expect(await expectOneLineFailure(['--bogus'])).toContain('--bogus');
  });

  it('an out-of-range port', async () => {
    const line = await expectOneLineFailure(['--dicom-port', '99999']);
    expect(line).toContain('--dicom-port');
    expect(line).toContain('99999');
  });

  it.each([
    ['--artim-timeout', '3000000', 'at most 600 seconds'],
    ['--idle-timeout', '1000000000000', 'at most 86400 seconds'],
    ['--associate-timeout', '0', 'positive'],
  ])('%s %s: exit 2, one line', async (flag, raw, why) => {
    const { code, stderr } = await run([flag, raw, '--data-dir', join(tmp, 'var')]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(flag);
    expect(stderr).toContain(why);
    // Refused before anything runs: no TimeoutOverflowWarning.
    expect(stderr).not.toContain('TimeoutOverflowWarning');
  });

  it('a --printers directory that does not exist', async () => {
    const missing = join(tmp, 'nonexistent');
    expect(await expectOneLineFailure(['--printers', missing, '--data-dir', join(tmp, 'var')])).toContain(
      missing,
    );
  });

  it.each([
    ['long-ae.yaml', 'aeTitle: ABCDEFGHIJKLMNOPQ\nname: Too long\n', 'aeTitle'],
    ['numeric-ae.yaml', 'aeTitle: 123456789012345678\nname: A number\n', 'aeTitle'],
    ['colour.yaml', 'aeTitle: COLOUR\nname: Colour\ncolour: true\n', 'colour'],
    ['memory.yaml', 'aeTitle: MEMORY\nname: Memory\nmemoryBytes: 1e400\n', 'memoryBytes'],
    [
      'slow.yaml',
      'aeTitle: SLOW\nname: Slow\nprintJob: {pendingMs: 9999999999999, msPerFilm: 1, queueLimit: 1}\n',
      'pendingMs',
    ],
    ['huge.yaml', `aeTitle: HUGE\nname: ${'x'.repeat(1024 * 1024)}\n`, 'at most 262144'],
  ])('a bad printer profile (%s) names the file and the key', async (file, text, key) => {
    const dir = join(tmp, 'printers');
    mkdirSync(dir);
    writeFileSync(join(dir, file), text);
    const line = await expectOneLineFailure(['--printers', dir, '--data-dir', join(tmp, 'var')]);
    expect(line).toContain(join(dir, file));
    expect(line).toContain(key);
  });

  it('a DICOM port already in use', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const port = (busy.address() as AddressInfo).port;
      const line = await expectOneLineFailure([
        '--dicom-port',
        String(port),
        '--http-port',
        String(await freePort()),
        '--host',
        '127.0.0.1',
        '--data-dir',
        join(tmp, 'var'),
      ]);
      expect(line).toContain('EADDRINUSE');
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });
});

describe('--help', () => {
  it('exits 0 and lists every flag and environment variable', async () => {
    const { code, stdout, stderr } = await run(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const o of OPTIONS) {
      expect(stdout).toContain(`--${o.flag}`);
      expect(stdout).toContain(o.env);
    }
    expect(stdout).toContain('--help');
  });
});

describe('lightbox conformance', () => {
  const printers = join(root, 'printers');

  it("prints one printer's statement as Markdown, with the limits given, and exits 0 without a data directory", async () => {
    const { code, stdout, stderr } = await run([
      'conformance',
      '--printers',
      printers,
      '--printer',
      'DRYSTAR5302',
      '--max-pdu',
      '16K',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# DICOM Conformance Statement: Agfa Drystar 5302-like dry laser imager\n/);
    expect(stdout).toContain('`0xB604` Image demagnified');
    expect(stdout).toContain('| Maximum PDU length received | `16384` bytes (--max-pdu), advertised |');
    expect(existsSync(join(tmp, 'var'))).toBe(false);
  });

  it('prints every printer as one HTML page with --format html', async () => {
    const { code, stdout } = await run(['conformance', '--printers', printers, '--format', 'html']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^<!doctype html>/);
    for (const f of readdirSync(printers).filter((x) => x.endsWith('.yaml'))) {
      const ae = /^aeTitle: (\S+)$/m.exec(readFileSync(join(printers, f), 'utf8'))![1]!;
      expect(stdout, ae).toContain(`AE title ${ae},`);
    }
    expect(stdout.match(/<article class="conformance-statement">/g)?.length).toBeGreaterThan(4);
  });

  it('an unknown printer or format: exit 2, one line', async () => {
    expect(await expectOneLineFailure(['conformance', '--printer', 'NOPE'])).toContain(
      'no printer NOPE (printers: LIGHTBOX)',
    );
    expect(await expectOneLineFailure(['conformance', '--format', 'pdf'])).toContain('--format');
  });

  it('--help says how', async () => {
    const { code, stdout } = await run(['conformance', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: lightbox conformance [--printer <AE title>] [--format md|html]');
    expect((await run(['--help'])).stdout).toContain('lightbox conformance');
  });
});

describe('lightbox print-pattern', () => {
  it('prints a test pattern on dcmprscp (exit 0, the answers kept); a bad target is one line, exit 2', async () => {
    const scp = await startDcmprscp({ dir: join(tmp, 'dcmprscp') });
    try {
      const since = scp.log().length;
      const args = ['print-pattern', 'gray18', '--to', `127.0.0.1:${scp.port}:PRINTSCP`, '--bits', '8'];
      const { code, stdout, stderr } = await run([
        ...args,
        '--rows',
        '128',
        '--cols',
        '96',
        '--data-dir',
        join(tmp, 'var'),
      ]);
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(
        /^pattern gray18 \(8-bit 128x96, STANDARD\\1,1\) to .*: printed: N-ACTION 0x0000 \(kept as o1\)/,
      );
      expect(scp.log().slice(since)).toMatch(/\(7fe0,0010\) OB .*# 12288,/);
    } finally {
      await scp.stop();
    }
    const line = await expectOneLineFailure(['print-pattern', 'gray18', '--to', 'nohost']);
    expect(line).toMatch(/not HOST:PORT:AE .*\(see lightbox print-pattern --help\)$/);
    expect((await run(['--help'])).stdout).toContain('print-pattern');
  }, 60_000);
});

describe('running', () => {
  it('serves /healthz, then exits 0 on SIGTERM', async () => {
    const dicomPort = await freePort();
    const httpPort = await freePort();
    const dataDir = join(tmp, 'data');
    const r = start([
      '--dicom-port',
      String(dicomPort),
      '--http-port',
      String(httpPort),
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
    ]);
    const body = await healthy(r, httpPort);
    expect(body).toMatchObject({ status: 'ok', dicomPort });
    expect((body as { printers: string[] }).printers).toContain('LIGHTBOX');
    expect(existsSync(dataDir)).toBe(true);

    // A real print through the compiled server: the film is rendered by the worker thread.
    const images = await generateImages(join(tmpdir(), 'lightbox-test-images-v1'));
    const printed = await dcmPrint(
      {
        port: dicomPort,
        calledAe: 'LIGHTBOX',
        images: images.ct.slice(0, 4),
        columns: 2,
        rows: 2,
        filmSize: '14INX17IN',
      },
      join(tmp, 'dcmprint'),
    );
    expect(printed.exchanges.every((e) => e.status === 0)).toBe(true);
    const films = join(dataDir, 'films');
    let render: { width?: number; height?: number; failed?: boolean } | undefined;
    const until = Date.now() + 20_000;
    while (!render && Date.now() < until) {
      const dir = existsSync(films) ? readdirSync(films).find((d) => !d.startsWith('.')) : undefined;
      if (dir && existsSync(join(films, dir, 'render.json'))) {
        render = JSON.parse(readFileSync(join(films, dir, 'render.json'), 'utf8'));
      } else await new Promise((res) => setTimeout(res, 200));
    }
    expect(render, `no render.json; stdout: ${r.stdout().slice(-2000)}`).toMatchObject({
      width: 4480,
      height: 5440,
    });
    expect(render!.failed).toBeUndefined();

    r.child.kill('SIGTERM');
    expect(await withTimeout(r.exited, 15_000, 'exit after SIGTERM')).toBe(0);
    expect(r.stderr()).toBe('');
  }, 90_000);
});

describe('npm start, as users run it', () => {
  // dist/ is current: beforeAll compiled it.
  it('answers --help in under 1 s, compiling nothing', async () => {
    const built = statSync(MAIN).mtimeMs;
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = launch('npm', ['start', '--', '--help'], root);
      const code = await withTimeout(r.exited, 30_000, 'npm start -- --help');
      times.push(performance.now() - t0);
      expect(code, r.stderr()).toBe(0);
      expect(r.stdout()).toContain('--shutdown-grace');
      expect(r.stderr()).toBe('');
    }
    expect(statSync(MAIN).mtimeMs, 'dist/src/main.js rewritten').toBe(built);
    // The fastest of five: the machine may be busy with other tests meanwhile.
    expect(Math.min(...times), `times: ${times.map(Math.round).join(', ')} ms`).toBeLessThan(1000);
  }, 120_000);

  it('stops the server on SIGTERM to npm itself, within --shutdown-grace, ports freed', async () => {
    const dicomPort = await freePort();
    const httpPort = await freePort();
    const graceS = 3;
    const r = launch(
      'npm',
      [
        'start',
        '--',
        '--host',
        '127.0.0.1',
        '--dicom-port',
        String(dicomPort),
        '--http-port',
        String(httpPort),
        '--data-dir',
        join(tmp, 'data'),
        '--shutdown-grace',
        String(graceS),
        '--no-render',
      ],
      root,
      true,
    );
    let scu: Scu | undefined;
    try {
      await healthy(r, httpPort);
      // npm runs the start script in a child; `exec` makes that child node itself, the server.
      const server = serverPid(r.child.pid!);
      expect(server, 'the server process under npm').toBeDefined();
      // An association left open: the server waits the grace for it, then aborts it.
      scu = await Scu.open(dicomPort, { called: 'LIGHTBOX', abstractSyntaxes: [Uid.Verification] });
      const t0 = performance.now();
      r.child.kill('SIGTERM');
      const code = await withTimeout(r.exited, (graceS + 10) * 1000, 'npm start after SIGTERM');
      const ms = performance.now() - t0;
      expect(code, r.stderr()).toBe(0);
      // The grace, then the abort and ARTIM drain (at most 2 s); not the SIGKILL of anyone.
      expect(ms).toBeLessThan((graceS + 2) * 1000 + 1000);
      expect(alive(server!), `server pid ${server} still running`).toBe(false);
      expect(r.stdout()).toContain('shutting down');
      for (const port of [dicomPort, httpPort])
        expect(await canBind(port), `port ${port} still bound`).toBe(true);
    } finally {
      scu?.destroy();
      // Whatever failed above, nothing of this npm start outlives the test.
      try {
        process.kill(-r.child.pid!, 'SIGKILL');
      } catch {
        // the group is gone: the expected case
      }
    }
  }, 60_000);
});

/** The node process npm start runs (npm's child, the start script's shell replaced by exec). */
function serverPid(npmPid: number): number | undefined {
  const children = readFileSync(`/proc/${npmPid}/task/${npmPid}/children`, 'utf8').trim().split(/\s+/);
  return children.map(Number).find((pid) => {
    const argv = pid > 0 ? readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0') : [];
    return basename(argv[0] ?? '') === 'node' && argv.includes('dist/src/main.js');
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function canBind(port: number): Promise<boolean> {
  const s = createServer();
  return new Promise((res) => {
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}
