/**
 * Film-out benchmark: how long the outputs of a rendered W1 film take (film.pdf at true size,
 * film.dcm at 8 and 16 bits, made from the film's directory as GET /api/films/{id}/film.pdf|dcm
 * makes them), against renderFilm of the same film (what film.png costs today).
 *
 * Goal (issue 20): each output within 1.5x the render, or made lazily with the first answer in < 2 s.
 * Lightbox makes them lazily (on request, nothing stored): this reports both figures.
 *
 * Usage: npm run bench:film-out [-- --runs N] (default 5). A measurement, not a test: exit code 1
 * only when something failed.
 */
import { join } from 'node:path';
import { dicomOf, pdfOf } from '../src/output/film-outputs.js';
import { renderFilm } from '../src/render/film.js';
import { ctSlice } from '../test/support/dcmprint.js';
import { CT, DPI, FILM_SIZE, matrix, writeFilm } from './film-dirs.js';
import { fmtMs, median, parseRuns, progress, runBench, sampleAlternating, withWorkDir } from './support.js';

const GOAL_RATIO = 1.5;
const LAZY_GOAL_MS = 2000;

async function main(): Promise<void> {
  const runs = parseRuns(process.argv.slice(2), process.env) ?? 5;
  await withWorkDir('lightbox-bench-film-out-', 0, async (work) => {
    const dir = join(work, 'W1');
    writeFilm(
      dir,
      'STANDARD\\4,5',
      Array.from({ length: CT.count }, (_, i) => ctSlice(i + 1)),
      CT,
    );
    const m = matrix();
    progress(
      `bench:film-out: W1 ${FILM_SIZE} at ${DPI} dpi (${m.width}x${m.height}), ${runs} runs after 1 warm-up`,
    );
    const time = (fn: () => Promise<unknown>) => async () => {
      const t0 = performance.now();
      await fn();
      return performance.now() - t0;
    };
    const targets = [
      { name: 'render', run: time(() => renderFilm(dir)) },
      { name: 'pdf', run: time(() => pdfOf(dir, 'W1')) },
      { name: 'dcm8', run: time(() => dicomOf(dir, 'W1-00', 8, 'Lightbox')) },
      { name: 'dcm16', run: time(() => dicomOf(dir, 'W1-00', 16, 'Lightbox')) },
    ];
    for (const t of targets) await t.run();
    const samples = await sampleAlternating(targets, runs, (t) => t.run());
    const render = median(samples.get('render')!);
    const lines = [`## Film outputs of W1 (${m.width} x ${m.height}), median of ${runs} runs, ms`, ''];
    lines.push(
      `| output | ms | / renderFilm | goal ${GOAL_RATIO}x or lazy < ${LAZY_GOAL_MS} ms |`,
      '|---|---|---|---|',
    );
    lines.push(`| renderFilm (film.png, density.png, thumb.png) | ${fmtMs(render)} | 1.00 | |`);
    for (const name of ['pdf', 'dcm8', 'dcm16']) {
      const ms = median(samples.get(name)!);
      const ok = ms <= render * GOAL_RATIO || ms < LAZY_GOAL_MS;
      lines.push(`| ${name} | ${fmtMs(ms)} | ${(ms / render).toFixed(2)} | ${ok ? 'met' : 'NOT met'} |`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}

runBench(main);
