/**
 * Forwarding benchmark (issue 21): what tee and proxy mode cost the modality. DCMTK's print SCU
 * sends W1 (one film, 14INX17IN STANDARD\4,5, 20 CT images of 512x512, 12-bit) as a Stored Print
 * made once by dcmpsprt, so each send is dcmprscu alone. One Lightbox has three printers: PLAIN,
 * TEE and PROXY (both forwarding to one quiet DCMTK dcmprscp); pairs alternate which goes first.
 *
 * - tee: PLAIN vs TEE, the modality's association as Lightbox recorded it (A-ASSOCIATE-RQ to its
 *   end). A TEE film is forwarded once its association ended, overlapping the modality's release;
 *   the queue is drained before each send. Goal: TEE/PLAIN <= 1.05.
 * - proxy: DIRECT (dcmprscu to dcmprscp) vs PROXY (dcmprscu to Lightbox, relayed to dcmprscp), the
 *   dcmprscu process from spawn to exit (the same process start in both). Goal: PROXY/DIRECT <= 1.20.
 *
 * Lightbox runs in its own process as `npm start` runs it (V8 flags, rendering on; each send's
 * film is rendered and removed before the next send), dcmprscu at -v (its -d log costs it ~12 ms of
 * CPU per W1); every send through Lightbox must be recorded with no warning or failure.
 *
 * CPU per W1 is counted too, since wall time on a shared machine is mostly waiting for a core:
 * dcmprscu's (the children this process waited for), dcmprscp's (/proc schedstat) and Lightbox's
 * main process (all its threads; /proc stat, 10 ms ticks), from the send's start to dcmprscu's
 * exit; `--only proxy|tee` runs one mode.
 *
 * Each figure is the median of the per-pair ratios. dcmprscp serves one association at a time and
 * writes what it gets: a pause follows each send so its writing does not land in the next one.
 * A measurement, not a test: exit 0 unless something failed.
 *
 *   npm run bench:forward [-- --runs N]   (default 7 pairs per mode)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateImages, parseDcmprscuLog } from '../test/support/dcmprint.js';
import { prepareStoredPrint, runTool, type StoredPrint } from './dcmtk-tool.js';
import { median, pairedRatios } from './stats.js';
import {
  HOST,
  parseRuns,
  procCpuMs,
  progress,
  removeRenderedFilms,
  runBench,
  type Server,
  sleep,
  startLightbox,
  startQuietDcmprscp,
  withWorkDir,
} from './support.js';

const RUNS = parseRuns(process.argv, process.env) ?? 7;
/** After each send: dcmprscp finishes writing, the forward (tee) goes out, the machine settles. */
const SETTLE_MS = 400;

type Target = 'PLAIN' | 'TEE' | 'PROXY' | 'DIRECT';

const ONLY = (() => {
  const i = process.argv.indexOf('--only');
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v !== undefined && v !== 'proxy' && v !== 'tee') throw new Error('--only proxy|tee');
  return v;
})();

/** CPU time (ms) of the SCUs this process waited for, of dcmprscp and of Lightbox (its main process). */
function cpuNow(scpPid: number | undefined, lightboxPid: number | undefined) {
  // /proc/self/stat fields 16 and 17: cutime, cstime in clock ticks (100 Hz).
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const children = (Number(f[13]) + Number(f[14])) * 10;
  // schedstat: nanoseconds on a CPU.
  const onCpu = (pid: number | undefined) =>
    pid ? Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6 : 0;
  // Lightbox: every thread of its main process (10 ms ticks); its renders run in a child.
  return { children, scp: onCpu(scpPid), lightbox: procCpuMs(lightboxPid) ?? 0 };
}

async function main(work: string, servers: Server[]): Promise<void> {
  // dcmprscp quiet: its -d +d dump of every pixel would load the machine, not what we measure.
  const scp = await startQuietDcmprscp(join(work, 'dcmprscp'), 'PRINTSCP');
  servers.push(scp);
  const dataDir = join(work, 'lightbox');
  const printers = join(dataDir, 'printers');
  mkdirSync(printers, { recursive: true });
  const to = `host: 127.0.0.1, port: ${scp.dicomPort}, aeTitle: PRINTSCP`;
  writeFileSync(join(printers, 'plain.yaml'), 'aeTitle: PLAIN\nname: Plain\n');
  writeFileSync(join(printers, 'tee.yaml'), `aeTitle: TEE\nname: Tee\nforward: {mode: tee, ${to}}\n`);
  writeFileSync(join(printers, 'proxy.yaml'), `aeTitle: PROXY\nname: Proxy\nforward: {mode: proxy, ${to}}\n`);
  // Its own process, as `npm start` runs it (V8 flags, rendering on): the bench's own work
  // (spawning dcmprscu, reading its output) does not share Lightbox's event loop.
  const lb = await startLightbox(dataDir);
  servers.push(lb);
  const api = `http://${HOST}:${lb.httpPort}`;
  const getJson = async <T>(path: string): Promise<T> => {
    const r = await fetch(`${api}${path}`);
    if (!r.ok) throw new Error(`GET ${path}: HTTP ${r.status}`);
    return (await r.json()) as T;
  };
  const forwards = async () =>
    (await getJson<{ counts: { queued: number; done: number; failed: number } }>('/api/forwards')).counts;
  const images = (await generateImages(join(tmpdir(), 'lightbox-test-images'))).ct.slice(0, 20);
  const jobs = {} as Record<Target, StoredPrint & { dir: string }>;
  for (const t of ['PLAIN', 'TEE', 'PROXY', 'DIRECT'] as const) {
    const dir = join(work, t);
    mkdirSync(dir);
    const direct = t === 'DIRECT';
    const job = await prepareStoredPrint(dir, {
      port: direct ? scp.dicomPort : lb.dicomPort,
      calledAe: direct ? 'PRINTSCP' : t,
      images,
      columns: 4,
      rows: 5,
      filmSize: '14INX17IN',
    });
    jobs[t] = { ...job, dir };
  }
  const drained = async () => {
    while ((await forwards()).queued > 0) await sleep(20);
  };
  /** One W1 send: the dcmprscu process time, and Lightbox's record of the association (if via Lightbox). */
  const send = async (t: Target): Promise<Sent> => {
    await drained();
    // Lightbox's films rendered (not during the next send), then removed.
    await removeRenderedFilms(lb.httpPort);
    await sleep(SETTLE_MS);
    const j = jobs[t];
    const c0 = cpuNow(scp.child.pid, lb.child.pid);
    // -v, not -d: DCMTK's debug log costs dcmprscu ~12 ms of CPU per W1 (docs/pool-scale.md).
    const r = await runTool('dcmprscu', ['-v', '-c', j.cfg, '-p', 'TARGET', j.storedPrint], 120_000, j.dir);
    const c1 = cpuNow(scp.child.pid, lb.child.pid);
    const log = parseDcmprscuLog(r.output);
    if (r.code !== 0 || log.accepted !== 1 || log.aborted || log.errors.length > 0)
      throw new Error(`W1 to ${t} failed (exit ${r.code}):\n${r.output.split('\n').slice(-20).join('\n')}`);
    const cpu = {
      scu: c1.children - c0.children,
      lightbox: c1.lightbox - c0.lightbox,
      scp: c1.scp - c0.scp,
    };
    if (t === 'DIRECT') return { processMs: r.ms, cpu };
    // Every request answered with success, as the modality was told (in proxy mode, the printer's).
    // dcmprscu may exit before Lightbox has seen the connection close and recorded the end.
    type Item = { startedAt: string; endedAt?: string; warnings: number; failures: number };
    let a: Item | undefined;
    for (let i = 0; i < 100 && !a?.endedAt; i++) {
      if (i > 0) await sleep(20);
      [a] = await getJson<Item[]>(`/api/associations?printer=${t}&limit=1&order=desc`);
    }
    if (!a?.endedAt) throw new Error(`association to ${t} not recorded as ended`);
    if (a.failures > 0 || a.warnings > 0)
      throw new Error(`W1 to ${t}: ${a.failures} failures, ${a.warnings} warnings`);
    return { processMs: r.ms, associationMs: Date.parse(a.endedAt) - Date.parse(a.startedAt), cpu };
  };
  /** Every send's figures, for the report's second line. */
  const seen: Record<string, Sent[]> = {};
  const pairs = async (a: Target, b: Target, pick: (x: Awaited<ReturnType<typeof send>>) => number) => {
    const times: Record<string, number[]> = { [a]: [], [b]: [] };
    await send(a);
    await send(b); // warm-up, not counted
    for (let i = 0; i < RUNS; i++) {
      for (const t of i % 2 === 0 ? [a, b] : [b, a]) {
        const x = await send(t);
        seen[t] = [...(seen[t] ?? []), x];
        times[t]!.push(pick(x));
      }
      progress(
        `${a}/${b} pair ${i + 1}/${RUNS}: ${times[a]!.at(-1)!.toFixed(0)} / ${times[b]!.at(-1)!.toFixed(0)} ms`,
      );
    }
    return { a: times[a]!, b: times[b]!, ratios: pairedRatios(times[a]!, times[b]!) };
  };
  const none = { a: [], b: [], ratios: { median: Number.NaN, wins: 0, pairs: 0 } };
  const tee = ONLY === 'proxy' ? none : await pairs('TEE', 'PLAIN', (x) => x.associationMs!);
  const proxy = ONLY === 'tee' ? none : await pairs('PROXY', 'DIRECT', (x) => x.processMs);
  await drained();
  const q = await forwards();
  if (q.failed > 0 || q.done !== (ONLY === 'proxy' ? 0 : RUNS + 1))
    throw new Error(`forward queue: ${JSON.stringify(q)}`);
  /** Median CPU per W1 of each process, and in all. */
  const cpu = (t: Target) => {
    const xs = seen[t] ?? [];
    const m = (k: keyof Sent['cpu']) => median(xs.map((x) => x.cpu[k]));
    const total = median(xs.map((x) => x.cpu.scu + x.cpu.lightbox + x.cpu.scp));
    return {
      text: `dcmprscu ${m('scu').toFixed(0)} + Lightbox ${m('lightbox').toFixed(0)} + dcmprscp ${m('scp').toFixed(0)} = ${total.toFixed(0)} ms`,
      total,
    };
  };
  const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms (${xs.map((x) => x.toFixed(0)).join(', ')})`;
  const med = (
    xs: { processMs: number; associationMs?: number }[] | undefined,
    k: 'processMs' | 'associationMs',
  ) => `${median((xs ?? []).map((x) => x[k] ?? Number.NaN)).toFixed(0)} ms`;
  const verdict = (r: number, goal: number) => (r <= goal ? 'met' : 'NOT met');
  process.stdout.write(
    [
      `W1, ${RUNS} paired runs per mode, median of the per-pair ratios (load ${loadAverage()})`,
      'tee, modality-side association time as Lightbox recorded it:',
      `  PLAIN  ${ms(tee.b)}`,
      `  TEE    ${ms(tee.a)}`,
      `  TEE/PLAIN ${tee.ratios.median.toFixed(3)} (goal <= 1.05, ${verdict(tee.ratios.median, 1.05)}; TEE faster in ${tee.ratios.wins} of ${tee.ratios.pairs}); ${q.done} films forwarded to dcmprscp`,
      'proxy, dcmprscu process time (spawn to exit):',
      `  DIRECT ${ms(proxy.b)}`,
      `  PROXY  ${ms(proxy.a)}`,
      `  (process times: PLAIN ${med(seen.PLAIN, 'processMs')}, TEE ${med(seen.TEE, 'processMs')}; association as Lightbox recorded it: PROXY ${med(seen.PROXY, 'associationMs')})`,
      `  PROXY/DIRECT ${proxy.ratios.median.toFixed(3)} (goal <= 1.20, ${verdict(proxy.ratios.median, 1.2)}; PROXY faster in ${proxy.ratios.wins} of ${proxy.ratios.pairs})`,
      'CPU per W1 (median of each process; Lightbox its main process; Lightbox and dcmprscu in 10 ms ticks):',
      ...(['DIRECT', 'PROXY', 'PLAIN', 'TEE'] as const)
        .filter((t) => seen[t])
        .map((t) => `  ${t.padEnd(6)} ${cpu(t).text}`),
      ...(seen.PROXY && seen.DIRECT
        ? [`  PROXY/DIRECT CPU ${(cpu('PROXY').total / cpu('DIRECT').total).toFixed(2)}`]
        : []),
      '',
    ].join('\n'),
  );
}

interface Sent {
  processMs: number;
  associationMs?: number;
  /** On-CPU ms during the send: dcmprscu, Lightbox (this process), dcmprscp. */
  cpu: { scu: number; lightbox: number; scp: number };
}

function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

runBench(() => withWorkDir<Server>('lightbox-bench-forward-', 20, main));
