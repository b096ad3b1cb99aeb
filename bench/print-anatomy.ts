/**
 * Where a print's time goes: DCMTK's dcmprscu sends W1 (or W2) to Lightbox and to dcmprscp under
 * `perf trace`, and each message's time is split into what the SCU spent building it, writing it,
 * and waiting after its last byte for the answer (bench/perf-trace.ts). Medians per message kind
 * and per send, both targets side by side.
 *
 * Why: bench:print's ratios compare whole dcmprscu runs, in which the SCU's own time (reading its
 * files and encoding 20 image boxes) is most of W1. Apart, the SCP's share is what Lightbox can
 * change, and what a ratio can be at best follows from the SCU's share.
 *
 * Tracing slows dcmprscu (a system call costs more), not the SCPs: the wait and write columns are
 * the SCPs' own, the build column is inflated. Rendering is on, as users run Lightbox; each send's
 * film is rendered and removed before the next send. Needs `perf` (Debian linux-perf).
 * Runs: --runs N (default 7) per target after a warm-up; --workload W1 (default) or W2.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateMammo, parseDcmprscuLog } from '../test/support/dcmprint.js';
import { IMAGE_DIR, prepareStoredPrint, prepareW1, runTool } from './dcmtk-tool.js';
import { exchangesOfTrace, type TracedExchange } from './perf-trace.js';
import {
  fmtMs,
  median,
  parseRuns,
  progress,
  removeRenderedFilms,
  runBench,
  type Server,
  startLightbox,
  startQuietDcmprscp,
  stopChild,
  withWorkDir,
} from './support.js';

const DEFAULT_RUNS = 7;
const TRACE_EVENTS = 'read,write,writev,connect,close';

interface Target {
  server: Server;
  /** Lightbox only: its HTTP port, where its films are removed after each send. */
  httpPort?: number;
  job: { cfg: string; storedPrint: string; dir: string };
  /** Per message label, the traced exchanges of every timed run. */
  byLabel: Map<string, TracedExchange[]>;
  /** Per timed run: sums of build, write and wait over the association. */
  sends: { build: number; write: number; wait: number }[];
}

/** One traced send; its exchanges labelled by the dcmprscu log's messages. */
async function send(t: Target, timed: boolean): Promise<void> {
  const trace = join(t.job.dir, 'perf-trace.txt');
  const args = ['trace', '-o', trace, '-e', TRACE_EVENTS, '--', 'dcmprscu'];
  args.push('-d', '-c', t.job.cfg, '-p', 'TARGET', t.job.storedPrint);
  const r = await runTool('perf', args, 120_000, t.job.dir);
  const log = parseDcmprscuLog(r.output);
  const printed = log.exchanges.some((x) => x.request === 'N-ACTION' && x.status === 0);
  if (r.code !== 0 || !printed)
    throw new Error(`${t.server.name}: dcmprscu under perf failed:\n${r.output.slice(-2000)}`);
  if (t.httpPort) await removeRenderedFilms(t.httpPort);
  if (!timed) return;
  const [assoc] = exchangesOfTrace(readFileSync(trace, 'utf8'));
  const dimse = log.exchanges.map((x) => `${x.request} ${x.sopClass.replace(/SOPClass$/, '')}`);
  const labels = ['A-ASSOCIATE', ...dimse, 'A-RELEASE'];
  if (!assoc || assoc.length !== labels.length)
    throw new Error(
      `${t.server.name}: ${assoc?.length ?? 0} traced exchanges, ${labels.length} messages in the log`,
    );
  assoc.forEach((e, i) => {
    const list = t.byLabel.get(labels[i]!) ?? [];
    list.push(e);
    t.byLabel.set(labels[i]!, list);
  });
  const sum = (f: (e: TracedExchange) => number) => assoc.reduce((n, e) => n + f(e), 0);
  t.sends.push({ build: sum((e) => e.buildMs), write: sum((e) => e.writeMs), wait: sum((e) => e.waitMs) });
}

function report(lb: Target, ref: Target, runs: number): void {
  const out: string[] = [];
  out.push(`Per message, medians over ${runs} traced sends per target (ms): the SCU writing the request,`);
  out.push('then waiting after its last byte for the answer (the SCP).', '');
  out.push('| message | per send | Lightbox write | dcmprscp write | Lightbox wait | dcmprscp wait |');
  out.push('|---|---:|---:|---:|---:|---:|');
  for (const [label, xs] of lb.byLabel) {
    const ys = ref.byLabel.get(label) ?? [];
    const m = (es: TracedExchange[], f: (e: TracedExchange) => number) =>
      es.length ? fmtMs(median(es.map(f))) : '-';
    out.push(
      `| ${label} | ${Math.round(xs.length / runs)} | ${m(xs, (e) => e.writeMs)} | ${m(ys, (e) => e.writeMs)} | ` +
        `${m(xs, (e) => e.waitMs)} | ${m(ys, (e) => e.waitMs)} |`,
    );
  }
  // Several exchanges share a label (20 N-SETs): each label's rows above are per exchange.
  out.push(
    '',
    '| per send (sum over the association, median of the sends) | Lightbox | dcmprscp |',
    '|---|---:|---:|',
  );
  const s = (t: Target, k: 'build' | 'write' | 'wait') => fmtMs(median(t.sends.map((x) => x[k])));
  out.push(`| SCU building requests (inflated by tracing) | ${s(lb, 'build')} | ${s(ref, 'build')} |`);
  out.push(`| SCU writing requests | ${s(lb, 'write')} | ${s(ref, 'write')} |`);
  out.push(`| waiting for the SCP after a request's last byte | ${s(lb, 'wait')} | ${s(ref, 'wait')} |`);
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runs = parseRuns(argv, process.env) ?? DEFAULT_RUNS;
  const workload = argv.includes('--workload') ? argv[argv.indexOf('--workload') + 1] : 'W1';
  if (workload !== 'W1' && workload !== 'W2') throw new Error('--workload takes W1 or W2');
  const perf = await runTool('perf', ['--version'], 10_000).catch(() => undefined);
  if (perf?.code !== 0)
    throw new Error('bench:print-anatomy needs perf (Debian: apt-get install linux-perf)');
  await withWorkDir<Server>('lightbox-print-anatomy-', 20, async (workDir, servers) => {
    const lb = await startLightbox(join(workDir, 'lightbox'));
    servers.push(lb);
    const ref = await startQuietDcmprscp(join(workDir, 'dcmprscp'), 'PRINTSCP');
    servers.push(ref);
    const prepare = async (name: string, port: number, calledAe: string) => {
      const dir = join(workDir, `job-${name}`);
      if (workload === 'W1') return prepareW1(dir, port, { calledAe });
      const mammo = await generateMammo(IMAGE_DIR);
      const o = { port, calledAe, images: [mammo], columns: 1, rows: 1, filmSize: '14INX17IN' };
      mkdirSync(dir, { recursive: true });
      return { ...(await prepareStoredPrint(dir, o)), dir };
    };
    const targets: Target[] = [
      {
        server: lb,
        httpPort: lb.httpPort,
        job: await prepare('lightbox', lb.dicomPort, 'LIGHTBOX'),
        byLabel: new Map(),
        sends: [],
      },
      {
        server: ref,
        job: await prepare('dcmprscp', ref.dicomPort, 'PRINTSCP'),
        byLabel: new Map(),
        sends: [],
      },
    ];
    progress(`${workload} under perf trace: a warm-up, then ${runs} runs per target, alternating`);
    for (const t of targets) await send(t, false);
    for (let i = 0; i < runs; i++)
      for (const t of i % 2 ? [...targets].reverse() : targets) await send(t, true);
    report(targets[0]!, targets[1]!, runs);
    for (const s of servers) progress(`${s.name} stopped: ${await stopChild(s.child)}`);
  });
}

runBench(main);
