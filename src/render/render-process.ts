/**
 * A render process: renders films off the DICOM process, one message per film directory, one
 * film at a time (a 14x17 in film holds ~50 MB of buffers: memory stays bounded). A crash in the
 * image library ends this process, not the printer.
 *
 * Two run: with --idle the full-size films, at the lowest CPU priority, set before sharp and its
 * threads exist so every thread it starts inherits it (on a busy machine printing goes first and
 * films wait; on an idle one they run at full speed); without it the previews (thumbnails composed
 * at their own size, a few percent of a film's work) and density.png on its first request, at nice
 * 10: a user waits on those, and they must not queue behind a film or starve behind other work on
 * the machine, yet a modality's next association goes before them.
 */
import { getPriority, setPriority } from 'node:os';
import type { RenderRequest } from './render-child.js';

const idle = process.argv.includes('--idle');
/** nice 19: the kernel gives this process CPU only when nothing else wants it (Linux CFS weight 15 vs 1024). */
const LOWEST_PRIORITY = 19;

/**
 * nice 10 for previews (CFS weight 110 vs 1024): a modality's next association goes first, and
 * the preview still runs at once beside the printer's other work. Measured (bench:print, 5 runs,
 * load average 7-10): W3 (ten associations back to back, a preview after each) 1.89x dcmprscp
 * with previews at nice 0, 1.55x at nice 10 (1.12x without rendering); bench:preview at nice 10:
 * median 96-100 ms, p90 114-161 ms (nice 0 in the same minutes: 76-86, p90 154-290).
 */
const PREVIEW_PRIORITY = 10;

try {
  // Never raise a priority (the printer itself may run niced): only lower it.
  setPriority(Math.max(idle ? LOWEST_PRIORITY : PREVIEW_PRIORITY, getPriority()));
} catch {
  // Not allowed here (a restricted container): render at the printer's priority.
}

const { renderDensity, renderFilm, renderPreview, useMagnifyThread } = await import('./film.js');
// A preview is small images: one libvips thread per operation is plenty, and leaves the cores to
// printing. Full-size films share their enlargements with a second thread, as sharp shares its work.
if (!idle) (await import('sharp')).default.concurrency(1);
else useMagnifyThread();

let queue: Promise<void> = Promise.resolve();

process.on('message', (m: RenderRequest & { id: number }) => {
  queue = queue.then(async () => {
    try {
      const result =
        m.kind === 'preview'
          ? await renderPreview(m.dir)
          : m.kind === 'density'
            ? await renderDensity(m.dir)
            : await renderFilm(m.dir, { thumb: m.thumb, density: m.density });
      process.send?.({ id: m.id, result });
    } catch (e) {
      process.send?.({ id: m.id, error: (e as Error).stack ?? String(e) });
    }
  });
});
// The printer went away (or stopped us): nothing left to render for.
process.on('disconnect', () => process.exit(0));
