/**
 * No request handler or render step blocks Lightbox's event loop for more than a few milliseconds:
 * the built server, as `npm start` runs it (rendering in its own process), prints a 20-image CT film
 * and a 40 MiB mammogram, renders both, and serves the API and the films' files meanwhile; its
 * /metrics event loop lag (perf_hooks, 10 ms sampling) over all of that is compared with a control,
 * an idle Node process sampling its own loop the same way at the same time: what the busy, shared
 * machine adds to any process is not Lightbox's.
 *
 * The wall-clock lag also counts the time the OS gives the cores to other processes. What Lightbox
 * itself does without yielding is measured apart, from a CPU profile of the same run: the longest
 * stretch of work between two idle moments of its loop, in profiler samples (on-CPU time; see
 * test/support/cpu-profile.ts). That is the "few milliseconds" bound; a control shows a 50 ms
 * synchronous step would fail it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { busyStretches, monotonicUs, readCpuProfile } from '../support/cpu-profile.js';
import { startNodeFlags } from '../support/node-flags.js';
import { printFilm } from '../support/print-session.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(root, 'dist/src/main.js');
/**
 * How much more than the control Lightbox's loop may lag, wall clock (see within()). This counts
 * the shared machine too: beside another test file's work on the 2-core VM it measured p99 47 ms
 * against an idle control's 14, of which Lightbox's own longest step was a few ms (its profile).
 * So the bound here only catches the gross case; the few-ms bound is the profile's.
 */
const P99_ALLOWANCE_MS = 100;
const MAX_ALLOWANCE_MS = 250;
/**
 * The CPU profile's sampling interval, µs; the longest stretch of Lightbox's own code allowed
 * between two idle moments (15 ms: measured 5.8, 7.0 and 9.8 ms in three runs alone on the 2-core
 * VM; a stretch can be several callbacks back to back, e.g. a file route, a writev and a tick, not
 * one step), and the longest garbage collection (30 ms: measured 13-22 ms at a load average of 12
 * on 2 cores, 3-10 ms alone).
 */
const SAMPLE_US = 250;
const MAX_BUSY_SAMPLES = 60;
const MAX_GC_SAMPLES = 120;

const children: ChildProcess[] = [];
let tmp: string;

beforeAll(() => {
  const started = Date.now();
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe', timeout: 120_000 });
  } catch (e) {
    if (!(existsSync(MAIN) && statSync(MAIN).mtimeMs >= started - 1000)) throw e;
  }
  tmp = mkdtempSync(join(tmpdir(), 'lightbox-loop-lag-'));
}, 150_000);

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

function profileFlags(dir: string): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval', String(SAMPLE_US)];
}

/** The busy stretches in the one profile a process wrote to dir, after it exited, started within [from, to] (µs). */
function stretches(dir: string, from = 0, to = Number.POSITIVE_INFINITY) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  expect(files).toHaveLength(1);
  return busyStretches(readCpuProfile(join(dir, files[0]!)), from, to);
}

function exited(c: ChildProcess): Promise<void> {
  return new Promise((res) => (c.exitCode !== null ? res() : c.once('exit', () => res())));
}

/** An idle Node process that samples its own event loop like /metrics does, and prints p99 and max (ms) on stdin's end. */
function control(): Promise<{ p99: number; max: number }> {
  const script = `
    const { monitorEventLoopDelay } = require('node:perf_hooks');
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const lag = (ns) => Math.max(0, (ns - 10e6) / 1e6);
    process.stdin.on('data', () => {}).on('end', () => {
      process.stdout.write(JSON.stringify({ p99: lag(h.percentile(99)), max: lag(h.max) }));
      process.exit(0);
    });`;
  const c = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(c);
  let out = '';
  c.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const done = new Promise<{ p99: number; max: number }>((res) => c.on('close', () => res(JSON.parse(out))));
  return Object.assign(done, { stop: () => c.stdin!.end() }) as Promise<{ p99: number; max: number }> & {
    stop(): void;
  };
}

/** The loop lag since the previous scrape, ms (one scrape: each one starts the histogram again). */
async function loopLag(http: number): Promise<{ p99: number; max: number }> {
  const text = await fetch(`http://127.0.0.1:${http}/metrics`).then((r) => r.text());
  const read = (name: string) => {
    const m = new RegExp(`^lightbox_event_loop_lag_${name}_seconds (\\S+)$`, 'm').exec(text);
    if (!m) throw new Error(`lag ${name} not in /metrics`);
    return Number(m[1]) * 1000;
  };
  return { p99: read('p99'), max: read('max') };
}

/**
 * Within a few ms of the control, or, on a machine so busy that an idle process already lags
 * more than that, within half again what the control shows.
 */
const within = (lightbox: number, idle: number, allowance: number) =>
  lightbox <= Math.max(idle + allowance, idle * 1.5);

it('printing, rendering and serving films keep the event loop within a few ms of an idle process', async () => {
  const [dicom, http] = [await freePort(), await freePort()];
  const printers = join(tmp, 'printers');
  mkdirSync(printers);
  const lb = spawn(
    process.execPath,
    [
      ...startNodeFlags(root),
      ...profileFlags(join(tmp, 'profile')),
      MAIN,
      ...['--dicom-port', String(dicom), '--http-port', String(http), '--host', '127.0.0.1'],
      ...['--data-dir', join(tmp, 'data'), '--printers', printers, '--log-level', 'warn'],
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push(lb);
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${http}/healthz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (i > 100) throw new Error('Lightbox did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const ctl = control() as Promise<{ p99: number; max: number }> & { stop(): void };
  await loopLag(http); // the histogram starts here
  const from = monotonicUs();

  const ct = await printFilm(dicom, {
    format: 'STANDARD\\4,5',
    filmSize: '14INX17IN',
    images: Array.from({ length: 20 }, () => [512, 512] as [number, number]),
  });
  const mammo = await printFilm(dicom, { filmSize: '14INX17IN', images: [[4096, 5120]] });
  expect([ct.status, mammo.status]).toEqual([0, 0]);
  // Rendered in the render process; the API and the files served meanwhile and after.
  let films: { id: string; render: string }[] = [];
  for (let i = 0; i < 600; i++) {
    films = (await fetch(`http://127.0.0.1:${http}/api/films`).then((r) => r.json())) as typeof films;
    if (films.length === 2 && films.every((f) => f.render !== 'pending')) break;
    await fetch(`http://127.0.0.1:${http}/api/associations`).then((r) => r.arrayBuffer());
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(films.map((f) => f.render)).toEqual(['rendered', 'rendered']);
  for (const f of films)
    for (const path of [
      `/api/films/${f.id}`,
      `/api/films/${f.id}/thumb.png`,
      `/api/films/${f.id}/film.png`,
    ]) {
      const r = await fetch(`http://127.0.0.1:${http}${path}`);
      expect(r.status, path).toBe(200);
      await r.arrayBuffer();
    }
  const { p99, max } = await loopLag(http);
  const to = monotonicUs();
  ctl.stop();
  const idle = await ctl;
  const line = `Lightbox loop lag p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms; idle control p99 ${idle.p99.toFixed(1)} ms, max ${idle.max.toFixed(1)} ms`;
  // Lightbox's own longest step, from its CPU profile (written when it stops).
  lb.kill('SIGTERM');
  await exited(lb);
  const all = stretches(join(tmp, 'profile'), from, to);
  const own = (s: (typeof all)[number]) => s.samples - s.gcSamples;
  const busy = all.reduce((a, b) => (own(b) > own(a) ? b : a));
  const gc = Math.max(...all.map((s) => s.gcSamples));
  const ms = (samples: number) => ((samples * SAMPLE_US) / 1000).toFixed(1);
  const step = `longest step ${ms(own(busy))} ms of code (+${ms(busy.gcSamples)} GC, ${busy.wallMs.toFixed(1)} ms wall): ${busy.top.join(', ')}; longest GC ${ms(gc)} ms`;
  console.log(`${line}\n${step}`);
  expect(within(p99, idle.p99, P99_ALLOWANCE_MS), `p99: ${line}`).toBe(true);
  expect(within(max, idle.max, MAX_ALLOWANCE_MS), `max: ${line}`).toBe(true);
  expect(own(busy), step).toBeLessThanOrEqual(MAX_BUSY_SAMPLES);
  expect(gc, step).toBeLessThanOrEqual(MAX_GC_SAMPLES);
}, 180_000);

it('the profile measure catches a 50 ms synchronous step (control)', async () => {
  const dir = join(tmp, 'control-profile');
  const script = `
    let n = 0;
    const step = () => {
      const t0 = process.cpuUsage();
      for (let x = 0; ; x++) {
        const used = process.cpuUsage(t0);
        if (used.user + used.system >= 50000) break;
      }
      if (++n < 5) setTimeout(step, 20);
    };
    setTimeout(step, 20);`;
  const c = spawn(process.execPath, [...profileFlags(dir), '-e', script], { stdio: 'inherit' });
  children.push(c);
  await exited(c);
  const [busy] = stretches(dir);
  console.log(`control: 50 ms step measured ${busy!.samples} samples`);
  expect(busy!.samples - busy!.gcSamples).toBeGreaterThan(MAX_BUSY_SAMPLES);
}, 60_000);
