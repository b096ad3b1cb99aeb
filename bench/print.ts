/**
 * Print benchmark: Lightbox against DCMTK's dcmprscp, the reference Print SCP, both driven by
 * DCMTK's print SCU (dcmpsprt to build the jobs, dcmprscu to send them).
 *
 * What is measured (wall time of one `dcmprscu` process, milliseconds, on 127.0.0.1):
 *   W1  one film, 14INX17IN STANDARD\4,5, 20 CT images (512x512, 12-bit): one association,
 *       20 image box N-SETs of 0.5 MB each.
 *   W2  one film, 14INX17IN STANDARD\1,1, one 4096x5120 12-bit mammogram: one association whose
 *       image box N-SET carries 40 MiB of pixels.
 *   W3  ten films, 14INX17IN STANDARD\2,2, 4 CT images each: ten associations (dcmprscu opens one
 *       per Stored Print file), the film-session life cycle ten times over.
 *
 * Why: a modality waits for the printer to take its films; Lightbox should be no slower at it than
 * DCMTK's own Print SCP. The goal is a Lightbox/dcmprscp ratio of at most 1.0 for each workload.
 * And a printer holds whole images in memory: the goal for W2 is a peak RSS of at most 3x the
 * 40 MiB pixel payload.
 *
 * How: the Stored Print jobs are built once per target and workload with dcmpsprt (not timed; it
 * renders the images into Hardcopy Grayscale objects). Only the send is timed: dcmprscu -d, whose
 * log is then parsed (test/support/dcmprint.ts parseDcmprscuLog) and checked: every association
 * accepted, every DIMSE status a success, every film printed; against Lightbox also every film
 * stored (listed by its API) and, as users run it, rendered before the next send to either target
 * starts (--no-render measures without rendering); they are then deleted over the API.
 * Each workload gets WARM_UP_SENDS untimed sends per target, then the runs, alternating which
 * target goes first. Memory: after the timed runs, a fresh Lightbox (three times over, one after the other: its
 * peak varies with garbage collection timing) and a fresh dcmprscp each get one W2 send, once their
 * RSS has settled after start-up (V8 hands start-up garbage back about 8 s in; a printer is on long
 * before anyone prints). The peak (VmHWM, /proc/PID/status) is reset right before the send, so it
 * is the print's; it is reported next to the RSS once started and right before the send.
 *
 * dcmprscp serves one association at a time and writes every received object into its database
 * directory (without fsync): it is the reference, not a rival built for speed. After every send
 * (untimed) `sync` writes back what it left in the page cache, so that no send pays for the
 * previous one's writeback. Lightbox writes and
 * fdatasyncs each image as its N-SET is accepted and answers N-ACTION once the film is durable (the
 * README's "Keeping promises"); it renders in a child process at idle CPU priority.
 *
 * This is a measurement, not a test: the exit code is 0 whether or not the goals are met, and
 * non-zero only when something failed (an SCP did not start, dcmpsprt failed, a send had a failure
 * status, was rejected or aborted, or a film was not spooled). Runs: --runs N or BENCH_RUNS
 * (default 11) per workload and target, after the warm-up; --workloads W1,W3 measures only those.
 * With 5, the W1 median moved by 10 to 20 % between identical runs on a 2-core VM (dcmprscu itself
 * uses about 60 ms of CPU per W1 send).
 *
 * DCMTK as packaged by Debian only disables Nagle's algorithm when TCP_NODELAY is set in the
 * environment, so every DCMTK process runs with TCP_NODELAY=1.
 */
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PROFILE } from '../src/profiles/default-profile.js';
import {
  type DimseExchange,
  generateImages,
  generateMammo,
  parseDcmprscuLog,
  writePrintScuConfig,
} from '../test/support/dcmprint.js';
import { runTool } from './dcmtk-tool.js';
import {
  fmtMiB,
  fmtMs,
  HOST,
  median,
  pairedRatios,
  parseRuns,
  printServerOutput,
  procCpuMs,
  procMemoryMiB,
  progress,
  resetPeakRss,
  runBench,
  type Server,
  sampleAlternating,
  settledRss,
  sleep,
  startLightbox,
  startQuietDcmprscp,
  stopChild,
  withWorkDir,
} from './support.js';

const LIGHTBOX_AE = 'LIGHTBOX';
const DCMPRSCP_AE = 'PRINTSCP';
const FILM_SIZE = '14INX17IN';
/** Shared with the interoperability tests (test/net/print-dcmtk.test.ts): generated once per machine. */
const IMAGE_DIR = join(tmpdir(), 'lightbox-test-images-v1');
/** 4096 x 5120 pixels, 16 bits allocated. */
const MAMMO_PAYLOAD_BYTES = 4096 * 5120 * 2;
const CT_PAYLOAD_BYTES = 512 * 512 * 2;
const MIB = 1024 * 1024;
const RSS_GOAL_FACTOR = 3;
/**
 * Fresh Lightbox processes for the W2 memory pass. One alone is not enough: when V8 collects garbage
 * during the 40 MiB N-SET varies from run to run, and the peak varies with it (by tens of MiB).
 */
const MEMORY_PASSES = 3;
const DEFAULT_RUNS = 11;
/**
 * Untimed sends per target before the runs. A printer is switched on long before it prints; V8
 * optimises a print's code paths over the first few films (W3 to Lightbox: 430-444 ms on the first
 * three timed sends after one warm-up, 220-250 from the sixth on).
 */
const WARM_UP_SENDS = 5;
/** How long RSS must hold still before the W2 memory send (V8 frees start-up garbage after ~8 s). */
const LIGHTBOX_SETTLE_MS = 10_000;
/** dcmprscp has no garbage collector: a second of quiet is enough. */
const DCMPRSCP_SETTLE_MS = 1000;
const DCMPSPRT_TIMEOUT_MS = 120_000;
const RENDER_TIMEOUT_MS = 60_000;
/**
 * Lightbox keeps a job PENDING for pendingMs and PRINTING for msPerFilm after spooling it (one film
 * per job with dcmprscu), and refuses N-ACTION once queueLimit jobs are unfinished: the next send
 * to it waits until the previous run's jobs are done (untimed, and mostly covered by dcmprscp's run).
 */
const JOB_SETTLE_MS = DEFAULT_PROFILE.printJob.pendingMs + DEFAULT_PROFILE.printJob.msPerFilm + 100;

// ---------------------------------------------------------------- child processes

/** A print SCP under test, named 'Lightbox' or 'dcmprscp'. */
interface Target extends Server {
  calledAe: string;
  /** Lightbox only: its HTTP API, where its films are listed and removed. */
  api?: string;
  /** Lightbox only: whether it renders films (then a send's films are collected once rendered). */
  render?: boolean;
  /** Lightbox only: no send before this time (performance.now()), so its print queue has drained. */
  readyAt: number;
  /** dcmprscp only: its database directory, emptied after each send as Lightbox's films are removed. */
  database?: string;
}

async function startLightboxTarget(dataDir: string, render: boolean): Promise<Target> {
  const { name, child, dicomPort, httpPort, output } = await startLightbox(dataDir, { render });
  return {
    name,
    child,
    dicomPort,
    calledAe: LIGHTBOX_AE,
    output,
    api: `http://${HOST}:${httpPort}`,
    render,
    readyAt: 0,
  };
}

async function startDcmprscp(dir: string): Promise<Target> {
  const database = join(dir, 'db');
  return { ...(await startQuietDcmprscp(dir, DCMPRSCP_AE)), calledAe: DCMPRSCP_AE, readyAt: 0, database };
}

// ---------------------------------------------------------------- workloads and jobs

interface Workload {
  id: string;
  name: string;
  columns: number;
  rows: number;
  films: number;
  /** Images in film order; each film takes the next columns*rows, cycling. */
  images: string[];
  medium?: string;
  /** Pixel bytes sent in image box N-SETs, per send. */
  payloadBytes: number;
  /** dcmprscu process limit. */
  timeoutMs: number;
}

/** A workload's Stored Print jobs for one target, built once by dcmpsprt. */
interface Job {
  workload: Workload;
  dir: string;
  cfg: string;
  storedPrints: string[];
}

function printOptions(w: Workload, t: { dicomPort: number; calledAe: string }) {
  return {
    port: t.dicomPort,
    calledAe: t.calledAe,
    images: w.images,
    columns: w.columns,
    rows: w.rows,
    filmSize: FILM_SIZE,
  };
}

/** dcmpsprt once per film (as the harness's dcmPrint does), each Stored Print moved aside in film order. */
async function prepareJob(w: Workload, t: Target, dir: string): Promise<Job> {
  const cfg = writePrintScuConfig(dir, printOptions(w, t));
  const db = join(dir, 'db');
  const args = ['-c', cfg, '-p', 'TARGET', '--layout', String(w.columns), String(w.rows)];
  args.push('--filmsize', FILM_SIZE, '--identity');
  const perFilm = w.columns * w.rows;
  const storedPrints: string[] = [];
  for (let film = 0; film < w.films; film++) {
    const files = Array.from(
      { length: perFilm },
      (_, j) => w.images[(film * perFilm + j) % w.images.length]!,
    );
    const before = new Set(readdirSync(db));
    const r = await runTool('dcmpsprt', [...args, ...files], DCMPSPRT_TIMEOUT_MS);
    const made = readdirSync(db).filter((f) => f.startsWith('SP_') && !before.has(f));
    if (r.code !== 0 || made.length !== 1) {
      throw new Error(
        `dcmpsprt failed (exit ${r.code ?? r.signal}, ${made.length} stored prints) for ${w.id} film ${film + 1}` +
          ` (${t.name}):\n${r.output}`,
      );
    }
    // Stored Print names derive from the clock and may repeat: give each a film-ordered name now.
    const job = join(db, `job-${String(film).padStart(3, '0')}-${made[0]}`);
    renameSync(join(db, made[0]!), job);
    storedPrints.push(job);
  }
  return { workload: w, dir, cfg, storedPrints };
}

// ---------------------------------------------------------------- sending and checking

/** Success, or a warning (PS3.7 C: 0x0001, 0x0107, 0x0116, 0xBxxx): the request was carried out. */
const isWarning = (s: number) => s === 0x0001 || s === 0x0107 || s === 0x0116 || (s & 0xf000) === 0xb000;
const hex = (s: number) => (s < 0 ? 'none' : `0x${s.toString(16).padStart(4, '0')}`);

interface Send {
  ms: number;
  /** CPU time of the SCP's own process (not its render child) during the send, ms. */
  cpuMs: number | undefined;
  /** Non-success statuses that are warnings, e.g. "N-SET BasicGrayscaleImageBoxSOPClass 0xb605". */
  warnings: string[];
}

/** The films Lightbox stored, with their render state, from its API. */
async function storedFilms(api: string): Promise<{ id: string; render: string }[]> {
  const r = await fetch(`${api}/api/films?limit=1000`);
  if (!r.ok) throw new Error(`GET /api/films: HTTP ${r.status}`);
  return (await r.json()) as { id: string; render: string }[];
}

function emptyDirectory(dir: string): void {
  for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
}

/**
 * One timed dcmprscu send of a prepared job; throws unless every association was accepted and
 * every film went through N-CREATEs, its image box N-SETs and N-ACTION without a failure status.
 */
async function send(job: Job, t: Target): Promise<Send> {
  const w = job.workload;
  const wait = t.readyAt - performance.now();
  if (wait > 0) await sleep(wait);
  const args = ['-d', '-c', job.cfg, '-p', 'TARGET', '--copies', '1'];
  if (w.medium) args.push('--medium-type', w.medium);
  const cpu0 = procCpuMs(t.child.pid);
  const r = await runTool('dcmprscu', [...args, ...job.storedPrints], w.timeoutMs, job.dir);
  const cpu1 = procCpuMs(t.child.pid);
  const cpuMs = cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined;
  const fail = (why: string): never => {
    const tail = r.output.split('\n').slice(-40).join('\n');
    throw new Error(`${w.id} to ${t.name}: ${why}\n--- last lines of the dcmprscu -d log:\n${tail}`);
  };
  if (r.timedOut) fail(`dcmprscu killed after ${w.timeoutMs} ms`);
  if (r.code !== 0) fail(`dcmprscu exited with ${r.code ?? r.signal}`);
  const log = parseDcmprscuLog(r.output);
  if (log.associations !== w.films || log.accepted !== w.films)
    fail(`${log.accepted} of ${log.associations} associations accepted, ${w.films} expected`);
  if (log.rejected) fail(`association rejected: ${JSON.stringify(log.rejection)}`);
  if (log.aborted) fail('association aborted');
  if (log.errors.length > 0) fail(`errors: ${log.errors.join(' | ')}`);
  const summary = (x: DimseExchange) => `${x.request} ${x.sopClass} ${hex(x.status)} (${x.statusText})`;
  const failed = log.exchanges.filter((x) => x.status !== 0 && !isWarning(x.status));
  if (failed.length > 0) fail(`failure statuses: ${failed.map(summary).join('; ')}`);
  for (let a = 1; a <= w.films; a++) {
    const xs = log.exchanges.filter((x) => x.association === a);
    const boxes = xs.filter((x) => x.request === 'N-SET' && /ImageBox/.test(x.sopClass)).length;
    const actions = xs.filter((x) => x.request === 'N-ACTION').length;
    if (boxes !== w.columns * w.rows || actions !== 1)
      fail(`association ${a}: ${boxes} image box N-SETs and ${actions} N-ACTIONs`);
  }
  const warnings = log.exchanges.filter((x) => x.status !== 0).map(summary);
  if (t.api) await collectFilms(t, w);
  // dcmprscp's index grows with every object it stores and it slowed with it (W1: 110 ms on the
  // first send, 190 by the tenth, 330 by the twentieth): it starts each send empty, as Lightbox does.
  if (t.database) emptyDirectory(t.database);
  // Untimed: what this send left in the page cache goes to disk now. dcmprscp never fsyncs, and
  // the kernel wrote its files back seconds later, inside the next send, often Lightbox's, whose
  // own fsyncs then waited behind them (W1 to Lightbox: 118 ms alone, 144-160 alternating with dcmprscp).
  const flushed = await runTool('sync', [], 60_000);
  if (flushed.code !== 0) throw new Error(`sync failed: ${flushed.output}`);
  return { ms: r.ms, cpuMs, warnings };
}

/**
 * Check that Lightbox stored the films of a send (they are stored before N-ACTION is answered),
 * wait until they are rendered when it renders, then remove them over the API; untimed. The next
 * send starts on a machine no longer busy with this one's films, for either target.
 */
async function collectFilms(t: Target, w: Workload): Promise<void> {
  const api = t.api!;
  let films = await storedFilms(api);
  if (films.length !== w.films)
    throw new Error(`${w.id}: Lightbox stored ${films.length} films, ${w.films} expected`);
  const deadline = Date.now() + RENDER_TIMEOUT_MS;
  while (t.render && films.some((f) => f.render === 'pending')) {
    if (Date.now() > deadline) throw new Error(`${w.id}: films not rendered in ${RENDER_TIMEOUT_MS} ms`);
    await sleep(20);
    films = await storedFilms(api);
  }
  const failed = films.filter((f) => f.render === 'failed');
  if (failed.length > 0) throw new Error(`${w.id}: ${failed.length} films failed to render`);
  t.readyAt = performance.now() + JOB_SETTLE_MS;
  for (const f of films) {
    const r = await fetch(`${api}/api/films/${f.id}`, { method: 'DELETE' });
    if (r.status !== 204) throw new Error(`DELETE /api/films/${f.id}: HTTP ${r.status}`);
  }
}

// ---------------------------------------------------------------- measuring

interface Result {
  workload: Workload;
  /** Wall times in ms, keyed by target name. */
  samples: Map<string, number[]>;
  /** The SCP process's CPU ms per send, keyed by target name. */
  cpu: Map<string, number[]>;
  warnings: Set<string>;
}

async function measure(w: Workload, jobs: Map<Target, Job>, runs: number): Promise<Result> {
  const targets = [...jobs.keys()];
  progress(`  ${w.name}: ${WARM_UP_SENDS} warm-up sends, then ${runs} runs per target`);
  const warnings = new Set<string>();
  const cpu = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  let warm = true;
  const once = async (t: Target) => {
    const s = await send(jobs.get(t)!, t);
    for (const x of s.warnings) warnings.add(`${t.name}: ${x}`);
    if (!warm && s.cpuMs !== undefined) cpu.get(t.name)!.push(s.cpuMs);
    return s.ms;
  };
  for (let i = 0; i < WARM_UP_SENDS; i++) for (const t of targets) await once(t);
  warm = false;
  const samples = await sampleAlternating(targets, runs, once);
  return { workload: w, samples, cpu, warnings };
}

interface Memory {
  name: string;
  /** RSS once started (when the process answered), MiB. */
  fresh: number | undefined;
  /** RSS right before the send, once settled, MiB. */
  before: number | undefined;
  /** VmHWM after the send (and, for Lightbox, after the film was spooled), MiB. */
  peak: number | undefined;
  /** Whether VmHWM was reset before the send (else it includes start-up). */
  reset: boolean;
  /** RSS after the send, MiB. */
  after: number | undefined;
  ms: number;
}

/**
 * One W2 send to a fresh target, for its peak RSS: the prepared job re-pointed at the new port.
 * The send waits until the target's memory has settled after start-up (a printer is switched on
 * long before a modality prints to it), and the peak is reset right before it: the peak reported
 * is that of the W2 print, not of start-up.
 */
async function memoryPass(t: Target, job: Job, quietMs: number): Promise<Memory> {
  writePrintScuConfig(job.dir, printOptions(job.workload, t));
  const pid = t.child.pid;
  const fresh = procMemoryMiB(pid, 'VmRSS');
  const before = await settledRss(pid, quietMs);
  const reset = resetPeakRss(pid);
  const { ms } = await send(job, t);
  const peak = procMemoryMiB(pid, 'VmHWM');
  return { name: t.name, fresh, before, peak, reset, after: procMemoryMiB(pid, 'VmRSS'), ms };
}

// ---------------------------------------------------------------- report

/** CPU ms of the SCP process during a send (Lightbox: its main process, not the render child). */
const cpuCell = (xs: readonly number[]) => (xs.length > 0 ? fmtMs(median(xs)) : 'n/a');

function printTables(results: readonly Result[], lightbox: Target, dcmtk: Target): void {
  const out: string[] = [];
  out.push(
    `Wall time of the dcmprscu send in ms (lower is better): median of the runs, after ${WARM_UP_SENDS} warm-up sends.`,
  );
  out.push('');
  out.push(
    '| workload | Lightbox median ms | dcmprscp median ms | ratio | goal (<= 1.0) | paired: median ratio | paired: Lightbox faster |',
  );
  out.push('|---|---:|---:|---:|:---:|---:|---:|');
  for (const r of results) {
    const lbs = r.samples.get(lightbox.name)!;
    const refs = r.samples.get(dcmtk.name)!;
    const [lb, ref] = [median(lbs), median(refs)];
    const ratio = lb / ref;
    const paired = pairedRatios(lbs, refs);
    out.push(
      `| ${r.workload.name} | ${fmtMs(lb)} | ${fmtMs(ref)} | ${ratio.toFixed(2)} | ` +
        `${ratio <= 1 ? 'met' : 'NOT met'} | ${paired.median.toFixed(2)} | ${paired.wins} of ${paired.pairs} |`,
    );
  }
  out.push(
    '',
    'The ratio (goal) is of the two medians. Paired: run i of Lightbox against run i of dcmprscp, sent one right after the other.',
  );
  out.push(
    '',
    '| workload | target | runs | min ms | median ms | max ms | pixel MiB/s (median) | SCP CPU ms per send (median) |',
  );
  out.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    for (const t of [lightbox, dcmtk]) {
      const xs = r.samples.get(t.name)!;
      const rate = r.workload.payloadBytes / MIB / (median(xs) / 1000);
      out.push(
        `| ${r.workload.id} | ${t.name} | ${xs.length} | ${fmtMs(Math.min(...xs))} | ${fmtMs(median(xs))} | ` +
          `${fmtMs(Math.max(...xs))} | ${rate.toFixed(1)} | ${cpuCell(r.cpu.get(t.name)!)} |`,
      );
    }
  }
  const warnings = results.flatMap((r) => [...r.warnings].map((x) => `${r.workload.id} ${x}`));
  if (warnings.length > 0) out.push('', 'Warning statuses (not failures):', ...warnings.map((x) => `- ${x}`));
  process.stdout.write(`${out.join('\n')}\n\n`);
}

function printMemory(lbs: readonly Memory[], ref: Memory, timedPeak: number | undefined): void {
  const payload = MAMMO_PAYLOAD_BYTES / MIB;
  const goal = RSS_GOAL_FACTOR * payload;
  const increase = (m: Memory) =>
    m.peak !== undefined && m.before !== undefined ? m.peak - m.before : undefined;
  /** The worst pass decides: a printer has to stay within its memory every time. */
  const judge = (label: string, xs: (number | undefined)[]) => {
    const known = xs.filter((x): x is number => x !== undefined);
    if (known.length < xs.length) return `Lightbox W2 goal, judged on ${label}: unknown (RSS unavailable)`;
    const worst = Math.max(...known);
    return (
      `Lightbox W2 goal, judged on ${label}: ${worst <= goal ? 'met' : 'NOT met'} ` +
      `(worst ${fmtMiB(worst)} = ${(worst / payload).toFixed(2)} x payload, vs ${goal.toFixed(1)} MiB; ` +
      `all passes: ${known.map((x) => x.toFixed(1)).join(', ')} MiB)`
    );
  };
  const out: string[] = [];
  out.push(
    `Peak RSS on W2: one send to a fresh process, ${lbs.length} fresh Lightbox processes one after the other ` +
      `(pixel payload ${payload.toFixed(1)} MiB; goal: peak RSS <= ${RSS_GOAL_FACTOR} x payload = ` +
      `${goal.toFixed(1)} MiB):`,
    '',
  );
  out.push(
    '| target | RSS once started | RSS before send (settled) | peak RSS during the send | increase over pre-send RSS | RSS after | send ms |',
  );
  out.push('|---|---:|---:|---:|---:|---:|---:|');
  const rows = lbs.map((m, i) => ({ ...m, name: `${m.name} #${i + 1}` }));
  for (const m of [...rows, ref]) {
    const peak = m.reset ? fmtMiB(m.peak) : `${fmtMiB(m.peak)} (since start: peak reset refused)`;
    out.push(
      `| ${m.name} | ${fmtMiB(m.fresh)} | ${fmtMiB(m.before)} | ${peak} | ${fmtMiB(increase(m))} | ${fmtMiB(m.after)} | ${fmtMs(m.ms)} |`,
    );
  }
  out.push(
    '',
    judge(
      'total peak RSS',
      lbs.map((m) => m.peak),
    ),
    judge('the increase over pre-send RSS', lbs.map(increase)),
    `(for reference: the Lightbox process of the timed runs, after all of W1-W3, peaked at ${fmtMiB(timedPeak)})`,
  );
  process.stdout.write(`${out.join('\n')}\n\n`);
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const runs = parseRuns(process.argv.slice(2), process.env) ?? DEFAULT_RUNS;
  // As users run it: films rendered (each send's films are rendered before the next send starts).
  const render = !process.argv.includes('--no-render');
  await withWorkDir<Target>('lightbox-bench-print-', 40, async (workDir, servers) => {
    const t0 = performance.now();
    const dcmprscpDir = join(workDir, 'dcmprscp');
    progress(`test images in ${IMAGE_DIR} (generated on first use)`);
    const [images, mammo] = await Promise.all([generateImages(IMAGE_DIR), generateMammo(IMAGE_DIR)]);
    const all: Workload[] = [
      {
        id: 'W1',
        name: 'W1: 1 film STANDARD\\4,5, 20 CT',
        columns: 4,
        rows: 5,
        films: 1,
        images: images.ct,
        payloadBytes: 20 * CT_PAYLOAD_BYTES,
        timeoutMs: 60_000,
      },
      {
        id: 'W2',
        name: 'W2: 1 film STANDARD\\1,1, 4096x5120 12-bit MG (40 MiB N-SET)',
        columns: 1,
        rows: 1,
        films: 1,
        images: [mammo],
        medium: 'MAMMO CLEAR FILM',
        payloadBytes: MAMMO_PAYLOAD_BYTES,
        timeoutMs: 60_000,
      },
      {
        id: 'W3',
        name: 'W3: 10 films STANDARD\\2,2, 4 CT each (10 associations)',
        columns: 2,
        rows: 2,
        films: 10,
        images: images.ct,
        payloadBytes: 10 * 4 * CT_PAYLOAD_BYTES,
        timeoutMs: 120_000,
      },
    ];
    const workloads = selectWorkloads(all, process.argv.slice(2));

    const lightbox = await startLightboxTarget(join(workDir, 'lightbox'), render);
    progress(`Lightbox ${render ? 'renders films (--no-render to measure without)' : 'with --no-render'}`);
    servers.push(lightbox);
    const dcmtk = await startDcmprscp(dcmprscpDir);
    servers.push(dcmtk);
    progress(`Lightbox on ${lightbox.dicomPort}, dcmprscp on ${dcmtk.dicomPort}`);

    progress('building the Stored Print jobs with dcmpsprt (not timed)');
    const tPrep = performance.now();
    const jobs = new Map<Workload, Map<Target, Job>>();
    // One target per core at a time; within a target, one workload after the other.
    const prepared = await Promise.all(
      [lightbox, dcmtk].map(async (t) => {
        const mine: Job[] = [];
        for (const w of workloads)
          mine.push(await prepareJob(w, t, join(workDir, 'jobs', `${t.name}-${w.id}`)));
        return mine;
      }),
    );
    for (const w of workloads) {
      jobs.set(
        w,
        new Map(
          [lightbox, dcmtk].map((t, i) => [t, prepared[i]!.find((j) => j.workload === w)!] as [Target, Job]),
        ),
      );
    }
    progress(`  done in ${((performance.now() - tPrep) / 1000).toFixed(1)} s`);

    const results: Result[] = [];
    for (const w of workloads) results.push(await measure(w, jobs.get(w)!, runs));
    const timedPeak = procMemoryMiB(lightbox.child.pid, 'VmHWM');
    const timedPeakRef = procMemoryMiB(dcmtk.child.pid, 'VmHWM');

    const stopped: string[] = [];
    for (const s of servers) stopped.push(`${s.name} stopped: ${await stopChild(s.child)}`);

    progress(
      `  W2 memory pass: ${MEMORY_PASSES} fresh Lightbox processes, then a fresh dcmprscp, one send each`,
    );
    const w2 = workloads.find((w) => w.id === 'W2');
    const memLb: Memory[] = [];
    const freshLbs: Target[] = [];
    for (let i = 1; w2 && i <= MEMORY_PASSES; i++) {
      // The receive path's memory: rendering (its own goal, bench:render) would add the render's buffers.
      const freshLb = await startLightboxTarget(join(workDir, `lightbox-mem-${i}`), false);
      servers.push(freshLb);
      freshLbs.push(freshLb);
      memLb.push(await memoryPass(freshLb, jobs.get(w2)!.get(lightbox)!, LIGHTBOX_SETTLE_MS));
      stopped.push(`fresh Lightbox #${i} stopped: ${await stopChild(freshLb.child)}`);
    }
    const refOutput: string[] = [];
    let memRef: Memory | undefined;
    if (w2) {
      const freshRef = await startDcmprscp(join(workDir, 'dcmprscp-mem'));
      servers.push(freshRef);
      memRef = await memoryPass(freshRef, jobs.get(w2)!.get(dcmtk)!, DCMPRSCP_SETTLE_MS);
      stopped.push(`fresh dcmprscp stopped: ${await stopChild(freshRef.child)}`);
      refOutput.push(...freshRef.output);
    }

    printTables(results, lightbox, dcmtk);
    if (memRef) printMemory(memLb, memRef, timedPeak);
    process.stdout.write(`(dcmprscp of the timed runs peaked at ${fmtMiB(timedPeakRef)})\n\n`);
    for (const l of stopped) process.stdout.write(`${l}\n`);
    printServerOutput('Lightbox', lightbox.output);
    freshLbs.forEach((f, i) => {
      printServerOutput(`fresh Lightbox #${i + 1}`, f.output);
    });
    // dcmprscp prints a few lines per association even without -d; show only warnings and errors.
    const refNoise = (l: string) => /^[EF]:/.test(l);
    printServerOutput('dcmprscp (E:/F: lines)', [...dcmtk.output, ...refOutput].filter(refNoise));
    process.stdout.write(`total bench time: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  });
}

/** `--workloads W1,W3` measures only those (the W2 memory pass runs only with W2); default all. */
function selectWorkloads(all: Workload[], argv: readonly string[]): Workload[] {
  const i = argv.indexOf('--workloads');
  if (i < 0) return all;
  const ids = (argv[i + 1] ?? '').split(',').filter((x) => x !== '');
  const unknown = ids.filter((id) => !all.some((w) => w.id === id));
  if (ids.length === 0 || unknown.length > 0)
    throw new Error(`--workloads takes a comma-separated list of ${all.map((w) => w.id).join(', ')}`);
  return all.filter((w) => ids.includes(w.id));
}

runBench(main);
