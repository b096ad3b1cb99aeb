/**
 * Does rendering delay DICOM answers? An SCU sets an image box again and again (N-SET of a 512x512
 * 12-bit image, 0.5 MB, as W1's are) on one association to the built Lightbox and times each
 * round trip, in phases that alternate:
 *   idle       no film is rendering;
 *   rendering  a backlog of W1 films (14INX17IN STANDARD\4,5, 20 CT images), printed just before
 *              the phase by dcmprscu, renders back to back (the film renderer at idle priority).
 * The films' previews are made as they print, before the phase starts. Each phase lasts --seconds
 * (default 6); --pairs (default 4) idle/rendering pairs, the order alternating; the films are
 * deleted after each rendering phase. Reported: N-SET round trip p50/p99/max per condition over
 * all its phases, the ratio of the p99s, and how many films rendered during the rendering phases
 * (a starved renderer would make the comparison empty: it is said). The machine's load average
 * is printed: on a shared machine the figures move with it.
 * Goal (issue 19): N-SET p99 while rendering <= 2x idle.
 * A measurement: exit 0 whether or not the goal is met, 1 when something failed to run.
 *   npm run bench:nset-render [-- --pairs 4 --seconds 6 --films 6]
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Uid } from '../src/dicom/uids.js';
import { ctSlice } from '../test/support/dcmprint.js';
import { grayImage, openFilmBox, Scu } from '../test/support/scu.js';
import { prepareW1, printStored } from './dcmtk-tool.js';
import {
  fmtMs,
  HOST,
  listFilms,
  loadLine,
  median,
  metricTotal,
  numberArg,
  percentile,
  printerProfile,
  progress,
  runBench,
  scrapeMetrics,
  sleep,
  startPrinter,
  withWorkDir,
} from './support.js';

const AE = 'LIGHTBOX';
const META = Uid.BasicGrayscalePrintManagementMeta;
const GOAL_RATIO = 2;

type Condition = 'idle' | 'rendering';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const pairs = numberArg(argv, 'pairs', 4);
  const seconds = numberArg(argv, 'seconds', 6, true);
  const filmCount = numberArg(argv, 'films', 6);
  const load0 = loadavg();
  await withWorkDir('lightbox-bench-nset-', 20, async (workDir, servers) => {
    const lb = await startPrinter(workDir, servers, printerProfile('N-SET bench'));
    const w1 = await prepareW1(join(workDir, 'scu'), lb.dicomPort, { calledAe: AE });
    /** filmCount W1 films, one association each, back to back. */
    const printBacklog = () => printStored(w1, filmCount, 300_000);

    // The probe: one association, one 1-up film box, its image box set again and again.
    const probe = await Scu.open(lb.dicomPort, { called: AE, abstractSyntaxes: [META] });
    const box = await openFilmBox(probe);
    const image = { ...grayImage(512, 512), '7FE00010': { vr: 'OW', Value: [ctSlice(1).buffer] } };
    const item = {
      '20200010': { vr: 'US', Value: [1] },
      '20200110': { vr: 'SQ', Value: [image] },
    };
    const nsets = async (ms: number): Promise<number[]> => {
      const times: number[] = [];
      const until = performance.now() + ms;
      while (performance.now() < until) {
        const t0 = performance.now();
        const r = await probe.nSet(META, Uid.BasicGrayscaleImageBox, box.imageBox, item as never);
        times.push(performance.now() - t0);
        if ((r.command.status ?? -1) !== 0)
          throw new Error(`N-SET answered 0x${(r.command.status ?? 0).toString(16)}`);
      }
      return times;
    };
    progress(
      `bench:nset-render: ${pairs} pairs of ${seconds} s phases; rendering = a backlog of ${filmCount} W1 films`,
    );
    await nsets(1000); // warm-up
    const samples: Record<Condition, number[]> = { idle: [], rendering: [] };
    let renderedDuring = 0;
    let phasesStarved = 0;
    for (let i = 0; i < pairs; i++) {
      const order: Condition[] = i % 2 === 0 ? ['idle', 'rendering'] : ['rendering', 'idle'];
      for (const c of order) {
        if (c === 'idle') {
          while ((await listFilms(lb.httpPort, 'pending')).length > 0) await sleep(200);
          const xs = await nsets(seconds * 1000);
          samples.idle.push(...xs);
          progress(
            `  idle: ${xs.length} N-SETs, p50 ${fmtMs(median(xs))} ms, p99 ${fmtMs(percentile(xs, 99))} ms`,
          );
        } else {
          await printBacklog();
          await sleep(300); // the last film's preview
          const before = metricTotal(await scrapeMetrics(lb.httpPort), 'lightbox_film_renders_total');
          const xs = await nsets(seconds * 1000);
          const after = metricTotal(await scrapeMetrics(lb.httpPort), 'lightbox_film_renders_total');
          const pending = (await listFilms(lb.httpPort, 'pending')).length;
          renderedDuring += after - before;
          if (pending === 0) phasesStarved++; // the backlog ran out before the phase ended
          samples.rendering.push(...xs);
          progress(
            `  rendering: ${xs.length} N-SETs, p50 ${fmtMs(median(xs))} ms, p99 ${fmtMs(percentile(xs, 99))} ms; ` +
              `${after - before} films rendered in the phase, ${pending} still pending at its end`,
          );
          // Rendered or not, the films go (a pending one is skipped by the renderer once deleted).
          for (const f of await listFilms(lb.httpPort))
            await fetch(`http://${HOST}:${lb.httpPort}/api/films/${f.id}`, { method: 'DELETE' });
        }
      }
    }
    await probe.release();
    const load1 = loadavg();
    const p99 = (c: Condition) => percentile(samples[c], 99);
    const ratio = p99('rendering') / p99('idle');
    const out = [
      `## N-SET round trip (512x512 12-bit image box) while films render, ${pairs} pairs of ${seconds} s phases`,
      '',
      loadLine(load0, load1),
      '',
      '| condition | N-SETs | p50 ms | p90 ms | p99 ms | max ms |',
      '|---|---:|---:|---:|---:|---:|',
      ...(['idle', 'rendering'] as Condition[]).map((c) => {
        const xs = samples[c];
        return `| ${c} | ${xs.length} | ${fmtMs(median(xs))} | ${fmtMs(percentile(xs, 90))} | ${fmtMs(p99(c))} | ${fmtMs(Math.max(...xs))} |`;
      }),
      '',
      `films rendered during the rendering phases: ${renderedDuring}` +
        (phasesStarved > 0 ? ` (the backlog ran out before ${phasesStarved} phase(s) ended)` : ''),
      `p99 rendering / idle: ${ratio.toFixed(2)} (goal <= ${GOAL_RATIO}: ${ratio <= GOAL_RATIO ? 'met' : 'NOT met'})`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  });
}

runBench(main);
