/**
 * The render process: renders films off the DICOM process, one message per film directory, one
 * film at a time (a 14x17 in film holds ~50 MB of buffers: memory stays bounded). It runs at the
 * lowest CPU priority, set before sharp and its threads exist, so every thread it starts inherits
 * it: on a busy machine printing goes first and previews wait; on an idle one they run at full
 * speed. A crash in the image library ends this process, not the printer.
 */
import { setPriority } from 'node:os';

/** nice 19: the kernel gives this process CPU only when nothing else wants it (Linux CFS weight 15 vs 1024). */
const LOWEST_PRIORITY = 19;

try {
  setPriority(LOWEST_PRIORITY);
} catch {
  // Not allowed here (a restricted container): render at the normal priority.
}

const { renderFilm } = await import('./film.js');

let queue: Promise<void> = Promise.resolve();

process.on('message', (m: { id: number; dir: string }) => {
  queue = queue.then(async () => {
    try {
      const record = await renderFilm(m.dir);
      process.send?.({ id: m.id, record });
    } catch (e) {
      process.send?.({ id: m.id, error: (e as Error).stack ?? String(e) });
    }
  });
});
// The printer went away (or stopped us): nothing left to render for.
process.on('disconnect', () => process.exit(0));
