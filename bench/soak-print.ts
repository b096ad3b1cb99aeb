/**
 * Print soak: Lightbox as users run it (rendering on) printing for a long time while hostile
 * clients stay on it. N DCMTK print SCUs (dcmprscu, default 10) each send the W1 film (14INX17IN
 * STANDARD\4,5, 20 CT images, prepared once per SCU with dcmpsprt) again and again for --minutes
 * (default 10); meanwhile the hostile socket load of bench:soak (100 silent + 64 trickling sockets,
 * see hostile-load.ts) and 10 event-stream clients that never read. The printer is the embedded
 * LIGHTBOX with a queue that cannot fill (1000 jobs, 100 ms pending, 200 ms a film) and
 * --retention-max-bytes 4G, so that hours of films fit the disk.
 *
 * Measured: every print's wall time (p50, p99), films per minute; the resident memory of the
 * Lightbox process and of its render process every 5 s, and its growth after warm-up (the median
 * of the last tenth of the samples against the median of those between 20 % and 30 % of the run);
 * films lost: prints acknowledged by N-ACTION success (dcmprscu's log) that the store neither holds
 * nor removed by retention (lightbox_films_stored + lightbox_films_removed_total at the end);
 * event-loop lag at the end (/metrics).
 * Goals (issue: hostile load): RSS growth after warm-up at most 10 %, no film lost.
 *
 * A measurement: exit 0 whether or not the goals are met, 1 when something failed to run. A print
 * refused with a status (none expected) is counted, not a failure.
 *   npm run bench:soak:print [-- --minutes 10 --scus 10]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { parseDcmprscuLog } from '../test/support/dcmprint.js';
import { type PrintJob, prepareW1, runTool } from './dcmtk-tool.js';
import { HostileLoad } from './hostile-load.js';
import {
  childPids,
  fmtMiB,
  HOST,
  median,
  metricTotal,
  numberArg,
  percentile,
  printerProfile,
  procMemoryMiB,
  progress,
  runBench,
  type Server,
  scrapeMetrics,
  sleep,
  startLightbox,
  withWorkDir,
} from './support.js';

const SAMPLE_EVERY_MS = 5000;
const GROWTH_GOAL = 0.1;
const STALLED_EVENT_CLIENTS = 10;
const PROFILE = printerProfile('print soak');

type Lightbox = Server & { httpPort: number };

type Scu = PrintJob;

interface Tally {
  times: number[];
  acknowledged: number;
  refused: string[];
}

/** One SCU printing W1 until `until` (performance.now()); every send timed. */
async function printLoop(scu: Scu, until: number, t: Tally): Promise<void> {
  while (performance.now() < until) {
    const r = await runTool(
      'dcmprscu',
      ['-d', '-c', scu.cfg, '-p', 'TARGET', scu.storedPrint],
      120_000,
      scu.dir,
    );
    const log = parseDcmprscuLog(r.output);
    if (r.code !== 0 || log.accepted !== 1 || log.aborted) {
      const tail = r.output.split('\n').slice(-20).join('\n');
      throw new Error(`dcmprscu failed (exit ${r.code}, ${log.accepted} accepted):\n${tail}`);
    }
    const action = log.exchanges.find((x) => x.request === 'N-ACTION');
    if (action && (action.status === 0 || (action.status & 0xf000) === 0xb000)) t.acknowledged++;
    else t.refused.push(`${action?.status ?? 'no N-ACTION'}`);
    t.times.push(r.ms);
  }
}

/** A client that asks for the event stream and never reads. */
function stalledEventClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: HOST }, () => {
      s.write(`GET /api/events HTTP/1.1\r\nHost: ${HOST}:${port}\r\n\r\n`);
      s.pause();
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Growth after warm-up: median of the last tenth against the median of 20-30 % of the run. */
function growth(samples: readonly number[]): { warm: number; end: number; growth: number } {
  const n = samples.length;
  const warm = median(
    samples.slice(Math.floor(n * 0.2), Math.max(Math.floor(n * 0.3), Math.floor(n * 0.2) + 1)),
  );
  const end = median(samples.slice(Math.floor(n * 0.9)));
  return { warm, end, growth: end / warm - 1 };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const minutes = numberArg(argv, 'minutes', 10, true);
  const scus = numberArg(argv, 'scus', 10);
  await withWorkDir('lightbox-soak-print-', 20, async (workDir, servers: Lightbox[]) => {
    const dataDir = join(workDir, 'data');
    const printers = join(dataDir, 'printers');
    mkdirSync(printers, { recursive: true });
    writeFileSync(join(printers, 'lightbox.yaml'), PROFILE);
    const lb = await startLightbox(dataDir, { args: ['--retention-max-bytes', '4G'] });
    servers.push(lb);
    const pid = lb.child.pid!;
    const prepared = await Promise.all(
      // Each SCU its own calling AE and directory.
      Array.from({ length: scus }, (_, i) =>
        prepareW1(join(workDir, `scu${i}`), lb.dicomPort, { callingAe: `SOAK${i}` }),
      ),
    );
    progress(`${scus} SCUs ready; hostile load and ${STALLED_EVENT_CLIENTS} stalled event clients on`);
    const hostile = new HostileLoad(lb.dicomPort);
    void hostile.start();
    const stalled = await Promise.all(
      Array.from({ length: STALLED_EVENT_CLIENTS }, () => stalledEventClient(lb.httpPort)),
    );
    const rss: number[] = [];
    const render: number[] = [];
    const t0 = performance.now();
    const until = t0 + minutes * 60_000;
    const tally: Tally = { times: [], acknowledged: 0, refused: [] };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        rss.push(procMemoryMiB(pid, 'VmRSS') ?? Number.NaN);
        render.push(childPids(pid).reduce((s, c) => s + (procMemoryMiB(c, 'VmRSS') ?? 0), 0));
        if (rss.length % 12 === 0)
          progress(
            `${((performance.now() - t0) / 60_000).toFixed(1)} min: ${tally.acknowledged} prints, ` +
              `RSS ${fmtMiB(rss.at(-1))} + render ${fmtMiB(render.at(-1))}`,
          );
        await sleep(SAMPLE_EVERY_MS);
      }
    })();
    await Promise.all(prepared.map((s) => printLoop(s, until, tally)));
    const wallMin = (performance.now() - t0) / 60_000;
    sampling = false;
    await sampler;
    hostile.stop();
    for (const s of stalled) s.destroy();
    const m = await scrapeMetrics(lb.httpPort);
    const kept = metricTotal(m, 'lightbox_films_stored') + metricTotal(m, 'lightbox_films_removed_total');
    const lost = tally.acknowledged - kept;
    const g = growth(rss.filter(Number.isFinite));
    const gr = growth(render);
    const ok = (b: boolean) => (b ? 'met' : 'NOT MET');
    const lines = [
      `print soak: ${scus} DCMTK SCUs printing W1 for ${wallMin.toFixed(1)} min, rendering on, ` +
        `hostile load (${hostile.closedByServer} hostile sockets closed by Lightbox) and ${STALLED_EVENT_CLIENTS} stalled event clients`,
      `  prints acknowledged ${tally.acknowledged} (${(tally.acknowledged / wallMin).toFixed(1)} a minute), refused ${tally.refused.length}${tally.refused.length ? ` (${[...new Set(tally.refused)].join(', ')})` : ''}`,
      `  print time: p50 ${median(tally.times).toFixed(0)} ms, p99 ${percentile(tally.times, 99).toFixed(0)} ms, max ${Math.max(...tally.times).toFixed(0)} ms`,
      `  films kept or removed by retention: ${kept}; lost: ${lost} (goal 0: ${ok(lost <= 0)})`,
      `  Lightbox RSS after warm-up ${fmtMiB(g.warm)}, at the end ${fmtMiB(g.end)}: ${(g.growth * 100).toFixed(1)} % (goal <= ${GROWTH_GOAL * 100} %: ${ok(g.growth <= GROWTH_GOAL)}); peak ${fmtMiB(Math.max(...rss.filter(Number.isFinite)))}`,
      `  render process RSS after warm-up ${fmtMiB(gr.warm)}, at the end ${fmtMiB(gr.end)}: ${(gr.growth * 100).toFixed(1)} %`,
      `  renders done ${metricTotal(m, 'lightbox_film_renders_total')}; event-loop lag max ${(metricTotal(m, 'lightbox_event_loop_lag_max_seconds') * 1000).toFixed(0)} ms`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}

runBench(main);
