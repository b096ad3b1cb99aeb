/**
 * What the benchmarks (bench/echo.ts, bench/print.ts) share: the machinery around the measurement,
 * none of the measurement itself.
 *
 * - Set-up: where the repo and the built Lightbox are, the loopback host, the environment DCMTK
 *   needs (TCP_NODELAY=1, see the benches' headers), --runs / BENCH_RUNS parsing, free ports.
 * - Server children: spawn one keeping its output, start Lightbox on fresh ports, wait until a child
 *   is ready (HTTP /healthz or a TCP accept), stop it (SIGTERM, then SIGKILL), print its output.
 *   Every child spawned here is tracked, so that a signal, a failure or the exit kills what is left.
 * - Process life: the frame of a bench's main (a work directory, servers stopped and the directory
 *   removed at the end, signals cleaned up after with exit 130/143), and the entry point wrapper
 *   that reports a failure and exits 1.
 * - Numbers: timed runs alternating the order of targets, medians, /proc VmHWM and VmRSS, formats.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRefScpConfig } from '../test/support/dcmprint.js';
import { startNodeFlags } from '../test/support/node-flags.js';

export const HOST = '127.0.0.1';
/** The repository root (this file runs as dist/bench/support.js). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LIGHTBOX_MAIN = join(ROOT, 'dist/src/main.js');
/**
 * The V8 flags `npm start` gives Lightbox, plus BENCH_LIGHTBOX_NODE_FLAGS (space-separated, e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof": where the printer's own time goes during a bench).
 */
const LIGHTBOX_NODE_FLAGS = [
  ...startNodeFlags(ROOT),
  ...(process.env['BENCH_LIGHTBOX_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== ''),
];
/** Debian's DCMTK disables Nagle's algorithm only when TCP_NODELAY is set in the environment. */
export const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };
const STARTUP_TIMEOUT_MS = 15_000;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

// ---------------------------------------------------------------- small helpers

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A progress line, on stderr so that stdout holds only the report. */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Runs per scenario and target: a number asked for (--runs, BENCH_RUNS), or undefined for defaults. */
export function parseRuns(argv: readonly string[], env: NodeJS.ProcessEnv): number | undefined {
  const i = argv.indexOf('--runs');
  const raw = i >= 0 ? (argv[i + 1] ?? '') : env['BENCH_RUNS'];
  if (raw === undefined || (raw === '' && i < 0)) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--runs / BENCH_RUNS must be a positive integer (got "${raw}")`);
  return n;
}

/** A port the OS considers free right now: bind to port 0, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.once('error', rej);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => res(port));
    });
  });
}

// ---------------------------------------------------------------- child processes

/** A long-running server child: its output is kept so problems can be reported at the end. */
export interface Server {
  name: string;
  child: ChildProcess;
  dicomPort: number;
  output: string[];
}

const children = new Set<ChildProcess>();

/** spawn, with the child tracked until it exits so that killAllNow reaches it. */
export function spawnTracked(cmd: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(cmd, args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('error', () => children.delete(child));
  return child;
}

/** A tracked server child whose stdout and stderr lines are kept in output. */
export function spawnServer(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawnTracked(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('error', (e) => output.push(`spawn error: ${e.message}`));
  return { child, output };
}

/** Run a program to completion (killed after timeoutMs); reject on a non-zero exit, with its stderr. */
export function runProgram(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawnTracked(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      rej(new Error(`${cmd}: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) res();
      else rej(new Error(`${cmd} ${args.join(' ')} exited with ${signal ?? code}: ${stderr.trim()}`));
    });
  });
}

/** Poll ready() every pollMs until it holds; throws if the child exits first or it takes too long. */
export async function waitUntil(
  what: string,
  ready: () => Promise<boolean>,
  child: ChildProcess,
  pollMs = 50,
): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited during start-up (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    if (await ready()) return;
    await sleep(pollMs);
  }
  throw new Error(`${what} not ready after ${STARTUP_TIMEOUT_MS} ms`);
}

async function healthy(httpPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${HOST}:${httpPort}/healthz`);
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Bare TCP connect (dcmprscp logs it as a failed association and carries on). */
export function acceptsTcp(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: HOST, port });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

export interface LightboxOptions {
  /** Render printed films, as `npm start` does (default true; false passes --no-render). */
  render?: boolean;
  /** How often /healthz is polled during start-up, ms (default 50). */
  pollMs?: number;
  /** More command-line options, after the ones given here. */
  args?: readonly string[];
  /** A command that runs node, e.g. ['taskset', '-c', '0'] (it must exec node: same pid). */
  wrap?: readonly string[];
}

/**
 * The built Lightbox (dist/src/main.js) on fresh ports, data in dataDir, log level warn; resolves
 * once /healthz answers 200, with readyMs the time from spawn to that answer. Films are rendered,
 * as users run it, unless `render` is false.
 */
export async function startLightbox(
  dataDir: string,
  o: LightboxOptions = {},
): Promise<Server & { httpPort: number; readyMs: number }> {
  const [dicomPort, httpPort] = [await freePort(), await freePort()];
  // An empty printers directory: only the embedded LIGHTBOX printer, whatever ./printers holds.
  const printersDir = join(dataDir, 'printers');
  mkdirSync(printersDir, { recursive: true });
  const args = [
    LIGHTBOX_MAIN,
    ...['--dicom-port', String(dicomPort), '--http-port', String(httpPort), '--host', HOST],
    ...['--data-dir', dataDir, '--printers', printersDir, '--log-level', 'warn'],
    ...(o.render === false ? ['--no-render'] : []),
    ...(o.args ?? []),
  ];
  const t0 = performance.now();
  const [cmd, ...argv] = [...(o.wrap ?? []), process.execPath, ...LIGHTBOX_NODE_FLAGS, ...args];
  const { child, output } = spawnServer(cmd!, argv, dataDir, process.env);
  await waitUntil('Lightbox', () => healthy(httpPort), child, o.pollMs).catch((e: Error) => {
    throw new Error(`${e.message}\n${output.slice(-10).join('\n')}`);
  });
  return { name: 'Lightbox', child, dicomPort, httpPort, output, readyMs: performance.now() - t0 };
}

/**
 * DCMTK's reference Print SCP as the harness's startDcmprscp starts it, but without -d +d (a full
 * dump of every message would slow the reference down) and keeping the child for its pid.
 */
export async function startQuietDcmprscp(dir: string, aeTitle: string): Promise<Server> {
  const dicomPort = await freePort();
  mkdirSync(dir, { recursive: true });
  const cfg = writeRefScpConfig({ dir, port: dicomPort, aeTitle });
  const { child, output } = spawnServer('dcmprscp', ['-c', cfg, '-p', 'REFSCP'], dir, DCMTK_ENV);
  await waitUntil('dcmprscp', () => acceptsTcp(dicomPort), child);
  return { name: 'dcmprscp', child, dicomPort, output };
}

/** SIGTERM, then SIGKILL if still alive after a grace period; resolves with how it ended. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<string> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return `had already exited (code ${child.exitCode}, signal ${child.signalCode})`;
  }
  const exited = new Promise<string>((r) =>
    child.once('exit', (code, signal) => r(signal ? `signal ${signal}` : `code ${code}`)),
  );
  const t0 = performance.now();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const how = await exited;
  clearTimeout(timer);
  return `${how} after SIGTERM (${Math.round(performance.now() - t0)} ms)`;
}

/** SIGKILL every tracked child still running. */
function killAllNow(): void {
  for (const c of children) c.kill('SIGKILL');
}

/** The first max lines of a server's output (each cut at 300 characters), on stdout. */
export function printServerOutput(name: string, output: readonly string[], max = 10): void {
  if (output.length === 0) {
    process.stdout.write(`${name} output: none\n`);
    return;
  }
  const shown = output.slice(0, max);
  process.stdout.write(`${name} output (${output.length} lines, first ${shown.length}):\n`);
  for (const l of shown) process.stdout.write(`  ${l.length > 300 ? `${l.slice(0, 300)}…` : l}\n`);
}

// ---------------------------------------------------------------- process life

/**
 * Until the returned function is called, SIGINT, SIGTERM and SIGHUP kill every child, remove
 * workDir and exit (130 on SIGINT, 143 otherwise). Children are also killed when the process exits.
 */
function cleanUpOnSignals(workDir: string): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping children`);
    killAllNow();
    rmSync(workDir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  for (const sig of SIGNALS) process.once(sig, onSignal);
  process.once('exit', killAllNow);
  return () => {
    for (const sig of SIGNALS) process.off(sig, onSignal);
  };
}

/**
 * The frame of a bench's main: body gets a fresh work directory (under the OS temp directory, name
 * starting with prefix) and a list to put its servers in. Afterwards, whatever happened, those servers
 * are stopped and the directory removed; if body failed, each server's output is printed first (up to
 * failureOutputLines lines each). A signal meanwhile cleans up and exits (see cleanUpOnSignals).
 */
export async function withWorkDir<S extends Server>(
  prefix: string,
  failureOutputLines: number,
  body: (workDir: string, servers: S[]) => Promise<void>,
): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), prefix));
  const servers: S[] = [];
  const stopCleaningUpOnSignals = cleanUpOnSignals(workDir);
  try {
    await body(workDir, servers);
  } catch (e) {
    for (const s of servers) printServerOutput(s.name, s.output, failureOutputLines);
    throw e;
  } finally {
    await Promise.all(servers.map((s) => stopChild(s.child)));
    stopCleaningUpOnSignals();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Run a bench's main: on failure, report it on stderr, kill the children and exit with code 1. */
export function runBench(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
    killAllNow();
    process.exitCode = 1;
  });
}

// ---------------------------------------------------------------- numbers

/**
 * runs timed samples per target, in ms, keyed by target name; the order of targets alternates
 * between runs so that slow drift in load is shared evenly. Logs the samples as one progress line.
 */
export async function sampleAlternating<T extends { name: string }>(
  targets: readonly T[],
  runs: number,
  sample: (t: T) => Promise<number>,
): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) samples.get(t.name)!.push(await sample(t));
  }
  const line = targets.map(
    (t) =>
      `${t.name} [${samples
        .get(t.name)!
        .map((ms) => ms.toFixed(0))
        .join(', ')}]`,
  );
  progress(`    ${line.join('  ')} ms`);
  return samples;
}

export { median, pairedRatios, percentile } from './stats.js';

/** VmHWM (peak resident set) or VmRSS of a live process, in MiB; undefined once it is gone. */
export function procMemoryMiB(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system) a live process has used so far, in ms, from /proc/PID/stat (Linux counts
 * it in ticks of 10 ms); undefined once it is gone.
 */
export function procCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // The fields after the command name, which is in parentheses and may hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * Reset a process's peak RSS (VmHWM) to its current RSS (Linux: "5" into /proc/PID/clear_refs),
 * so the next VmHWM is the peak of what follows. False when the kernel refused.
 */
export function resetPeakRss(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Wait until a process's RSS has stopped falling: V8 returns start-up garbage to the system some
 * seconds after start (its memory reducer), and a printer is up long before anyone prints.
 * Polls every 250 ms; settled when RSS has not fallen by more than 1 MiB for `quietMs`, or after
 * `maxMs`.
 */
export async function settledRss(
  pid: number | undefined,
  quietMs: number,
  maxMs = 25_000,
): Promise<number | undefined> {
  const t0 = performance.now();
  let low = procMemoryMiB(pid, 'VmRSS');
  let since = t0;
  while (low !== undefined && performance.now() - t0 < maxMs && performance.now() - since < quietMs) {
    await sleep(250);
    const now = procMemoryMiB(pid, 'VmRSS');
    if (now === undefined) return undefined;
    if (now < low - 1) since = performance.now();
    low = Math.min(low, now);
  }
  return procMemoryMiB(pid, 'VmRSS');
}

/** Lightbox's /metrics as name (labels included, as written) -> value. */
export async function scrapeMetrics(httpPort: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://${HOST}:${httpPort}/metrics`)).text();
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

/** A metric summed over its labels ("lightbox_films_removed_total" of every reason). */
export function metricTotal(m: ReadonlyMap<string, number>, name: string): number {
  let sum = 0;
  for (const [k, v] of m) if (k === name || k.startsWith(`${name}{`)) sum += v;
  return sum;
}

/** A positive number given as --name N (an integer unless `fractions`), or the default. */
export function numberArg(argv: readonly string[], name: string, dflt: number, fractions = false): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const n = Number(argv[i + 1]);
  if (!(fractions ? Number.isFinite(n) && n > 0 : Number.isInteger(n) && n >= 1))
    throw new Error(`--${name} must be a positive ${fractions ? 'number' : 'integer'}`);
  return n;
}

/** Milliseconds, one decimal. */
export const fmtMs = (ms: number) => ms.toFixed(1);

/** A process's children (Lightbox's render processes), none when it has gone. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * The embedded LIGHTBOX printer's profile for a print benchmark: a queue that cannot fill, and
 * the printer's own pace per film (by default a tenth of a real one's).
 */
export function printerProfile(name: string, pace = { pendingMs: 100, msPerFilm: 200 }): string {
  return `aeTitle: LIGHTBOX\nname: Lightbox (${name})\nprintJob: { pendingMs: ${pace.pendingMs}, msPerFilm: ${pace.msPerFilm}, queueLimit: 1000 }\n`;
}

/** The built Lightbox in workDir/data with only the printer `profile` describes; pushed on `servers`. */
export async function startPrinter(
  workDir: string,
  servers: Server[],
  profile: string,
  o: LightboxOptions = {},
): Promise<Server & { httpPort: number }> {
  const dataDir = join(workDir, 'data');
  mkdirSync(join(dataDir, 'printers'), { recursive: true });
  writeFileSync(join(dataDir, 'printers', 'lightbox.yaml'), profile);
  const lb = await startLightbox(dataDir, o);
  servers.push(lb);
  return lb;
}

/** The films a Lightbox lists (at most 1000), of one status if given. */
export async function listFilms(
  httpPort: number,
  status?: string,
): Promise<{ id: string; render: string }[]> {
  const r = await fetch(
    `http://${HOST}:${httpPort}/api/films?limit=1000${status ? `&status=${status}` : ''}`,
  );
  if (!r.ok) throw new Error(`GET /api/films: HTTP ${r.status}`);
  return (await r.json()) as { id: string; render: string }[];
}

/** Once none of Lightbox's films is still rendering, remove them all (untimed, between sends). */
export async function removeRenderedFilms(httpPort: number): Promise<void> {
  for (;;) {
    const films = await listFilms(httpPort);
    if (films.every((f) => f.render !== 'pending')) {
      for (const f of films) {
        const r = await fetch(`http://${HOST}:${httpPort}/api/films/${f.id}`, { method: 'DELETE' });
        if (r.status !== 204) throw new Error(`DELETE /api/films/${f.id}: HTTP ${r.status}`);
      }
      return;
    }
    await sleep(20);
  }
}

/** The machine's load average at a benchmark's start and end (on a shared machine the figures move with it). */
export function loadLine(start: readonly number[], end: readonly number[]): string {
  const f = (l: readonly number[]) => l.map((x) => x.toFixed(1)).join(' ');
  return `load average ${f(start)} at the start, ${f(end)} at the end`;
}

export const fmtMiB = (x: number | undefined) => (x === undefined ? 'unavailable' : `${x.toFixed(1)} MiB`);
