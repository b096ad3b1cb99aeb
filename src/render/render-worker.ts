/**
 * Worker thread entry: renders films off the DICOM event loop, one message per film directory,
 * one film at a time (a 14x17 in film holds ~50 MB of buffers: memory stays bounded).
 */
import { parentPort } from 'node:worker_threads';
import { renderFilm } from './film.js';

let queue: Promise<void> = Promise.resolve();

parentPort?.on('message', (m: { id: number; dir: string }) => {
  queue = queue.then(async () => {
    try {
      const record = await renderFilm(m.dir);
      parentPort?.postMessage({ id: m.id, record });
    } catch (e) {
      parentPort?.postMessage({ id: m.id, error: (e as Error).stack ?? String(e) });
    }
  });
});
