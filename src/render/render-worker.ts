/** Worker thread entry: renders films off the DICOM event loop, one message per film directory. */
import { parentPort } from 'node:worker_threads';
import { renderFilm } from './film.js';

parentPort?.on('message', async (m: { id: number; dir: string }) => {
  try {
    const record = await renderFilm(m.dir);
    parentPort?.postMessage({ id: m.id, record });
  } catch (e) {
    parentPort?.postMessage({ id: m.id, error: (e as Error).stack ?? String(e) });
  }
});
