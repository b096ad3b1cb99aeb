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
 * CPU per W1 is counted too, since wall time on a shared machine is mostly waiting for a core:
 * dcmprscu's (the children this process waited for), dcmprscp's (/proc schedstat) and Lightbox's
 * own (this process), from the send's start to dcmprscu's exit; `--only proxy|tee` runs one mode.
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
import { pino } from 'pino';
import { parseConfig } from '../src/config/config.js';
import { Lightbox } from '../src/lightbox.js';
import { generateImages, parseDcmprscuLog, writeRefScpConfig } from '../test/support/dcmprint.js';
import { prepareStoredPrint, runTool, type StoredPrint } from './dcmtk-tool.js';
import { median, pairedRatios } from './stats.js';
import {
  acceptsTcp,
  DCMTK_ENV,
  freePort,
  parseRuns,
  progress,
  runBench,
  sleep,
  spawnServer,
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

/** CPU time (ms) of this process, of the children it waited for, and of another process. */
function cpuNow(scpPid: number | undefined): { self: number; children: number; scp: number } {
  const u = process.cpuUsage();
  // /proc/self/stat fields 16 and 17: cutime, cstime in clock ticks (100 Hz).
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const children = (Number(f[13]) + Number(f[14])) * 10;
  // schedstat: nanoseconds on a CPU.
  const scp = scpPid ? Number(readFileSync(`/proc/${scpPid}/schedstat`, 'utf8').split(' ')[0]) / 1e6 : 0;
  return { self: (u.user + u.system) / 1000, children, scp };
}

async function main(work: string): Promise<void> {
  // dcmprscp quiet (-v): its -d +d dump of every pixel would load the machine, not what we measure.
  const scpPort = await freePort();
  mkdirSync(join(work, 'dcmprscp'));
  const cfg = writeRefScpConfig({ dir: join(work, 'dcmprscp'), port: scpPort });
  const scp = spawnServer('dcmprscp', ['-v', '-c', cfg, '-p', 'REFSCP'], work, DCMTK_ENV);
  for (let i = 0; i < 200 && !(await acceptsTcp(scpPort)); i++) await sleep(50);
  const printers = join(work, 'printers');
  mkdirSync(printers);
  const to = `host: 127.0.0.1, port: ${scpPort}, aeTitle: PRINTSCP`;
  writeFileSync(join(printers, 'plain.yaml'), 'aeTitle: PLAIN\nname: Plain\n');
  writeFileSync(join(printers, 'tee.yaml'), `aeTitle: TEE\nname: Tee\nforward: {mode: tee, ${to}}\n`);
  writeFileSync(join(printers, 'proxy.yaml'), `aeTitle: PROXY\nname: Proxy\nforward: {mode: proxy, ${to}}\n`);
  const { config } = parseConfig(
    ['--dicom-port', '0', '--http-port', '0', '--host', '127.0.0.1', '--no-render'],
    {},
    work,
  );
  const app = new Lightbox(
    { ...config, dataDir: join(work, 'data'), printersDir: printers },
    pino({ level: 'silent' }),
  );
  await app.start();
  try {
    const images = (await generateImages(join(tmpdir(), 'lightbox-test-images'))).ct.slice(0, 20);
    const jobs = {} as Record<Target, StoredPrint & { dir: string }>;
    for (const t of ['PLAIN', 'TEE', 'PROXY', 'DIRECT'] as const) {
      const dir = join(work, t);
      mkdirSync(dir);
      const direct = t === 'DIRECT';
      const job = await prepareStoredPrint(dir, {
        port: direct ? scpPort : app.dicom.port,
        calledAe: direct ? 'PRINTSCP' : t,
        images,
        columns: 4,
        rows: 5,
        filmSize: '14INX17IN',
      });
      jobs[t] = { ...job, dir };
    }
    const drained = async () => {
      while (app.store.forwardQueue.counts().queued > 0) await sleep(20);
    };
    /** One W1 send: the dcmprscu process time, and Lightbox's record of the association (if via Lightbox). */
    const send = async (t: Target): Promise<Sent> => {
      await drained();
      await sleep(SETTLE_MS);
      const j = jobs[t];
      const c0 = cpuNow(scp.child.pid);
      const r = await runTool('dcmprscu', ['-d', '-c', j.cfg, '-p', 'TARGET', j.storedPrint], 120_000, j.dir);
      const log = parseDcmprscuLog(r.output);
      const failed = log.exchanges.filter((x) => x.status !== 0);
      if (r.code !== 0 || log.accepted !== 1 || log.aborted || failed.length > 0)
        throw new Error(`W1 to ${t} failed (exit ${r.code}):\n${r.output.split('\n').slice(-20).join('\n')}`);
      const c1 = cpuNow(scp.child.pid);
      const cpu = { scu: c1.children - c0.children, lightbox: c1.self - c0.self, scp: c1.scp - c0.scp };
      if (t === 'DIRECT') return { processMs: r.ms, cpu };
      const [a] = app.store.associations.list({ printer: t }, { limit: 1, order: 'desc' }).items;
      if (!a?.endedAt) throw new Error(`association to ${t} not recorded`);
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
    const q = app.store.forwardQueue.counts();
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
        'CPU per W1 (median of each process; the Lightbox figure is this process, dcmprscu 10 ms ticks):',
        ...(['DIRECT', 'PROXY', 'PLAIN', 'TEE'] as const)
          .filter((t) => seen[t])
          .map((t) => `  ${t.padEnd(6)} ${cpu(t).text}`),
        ...(seen.PROXY && seen.DIRECT
          ? [`  PROXY/DIRECT CPU ${(cpu('PROXY').total / cpu('DIRECT').total).toFixed(2)}`]
          : []),
        '',
      ].join('\n'),
    );
  } finally {
    await app.stop();
    scp.child.kill('SIGTERM');
  }
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

runBench(() => withWorkDir('lightbox-bench-forward-', 20, (work) => main(work)));
