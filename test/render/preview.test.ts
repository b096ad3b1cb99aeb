/**
 * A printed film's preview: the compiled server writes the thumbnail, composed at its own size in
 * the preview process, and announces it (film.preview on /api/events) before the film itself is
 * rendered (film.rendered); the thumbnail served at that moment is the film's, as the full film
 * shows it. A 14x17 in STANDARD\4,5 film of 20 CT-like slices, like DCMTK's W1.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, expect, it } from 'vitest';
import { ensureBuild, killAllServers, startServer } from '../store/support.js';
import { ctSlice } from '../support/dcmprint.js';
import { printFilm } from '../support/print-session.js';

const data = mkdtempSync(join(tmpdir(), 'lightbox-preview-'));
afterAll(() => {
  killAllServers();
  rmSync(data, { recursive: true, force: true });
});

interface Seen {
  type: string;
  film?: string;
  /** When the test received it. */
  t: number;
  /** For film.preview: the thumbnail fetched as soon as the event arrived. */
  thumb?: Promise<{ status: number; png: Buffer }>;
}

/** Read /api/events until `until` says enough; each event with when it arrived. */
async function watchEvents(url: string, onEvent: (e: Seen) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(`${url}/api/events`, { signal });
  const reader = res.body!.getReader();
  const text = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += text.decode(value, { stream: true });
      let end = buf.indexOf('\n\n');
      while (end >= 0) {
        const line = buf
          .slice(0, end)
          .split('\n')
          .find((l) => l.startsWith('data: '));
        buf = buf.slice(end + 2);
        if (line) {
          const e = JSON.parse(line.slice(6)) as { type: string; film?: string };
          onEvent({ ...e, t: performance.now() });
        }
        end = buf.indexOf('\n\n');
      }
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}

/** The 8-bit pixels of a PNG, scaled to width x height (lanczos3) when it is another size. */
async function greyPixels(png: Buffer, width: number, height: number): Promise<Buffer> {
  return sharp(png).toColourspace('b-w').resize(width, height, { fit: 'fill' }).raw().toBuffer();
}

it('announces the preview before the film is rendered, and the thumbnail served then is the film', async () => {
  const { main } = await ensureBuild('store-build-crash');
  const server = await startServer(main, { dataDir: data });
  const seen: Seen[] = [];
  const stop = new AbortController();
  const watching = watchEvents(
    server.url,
    (e) => {
      // Fetched as the event arrives, while the film is (most likely) still rendering.
      if (e.type === 'film.preview')
        e.thumb = fetch(`${server.url}/api/films/${e.film}/thumb.png`).then(async (r) => ({
          status: r.status,
          png: Buffer.from(await r.arrayBuffer()),
        }));
      seen.push(e);
    },
    stop.signal,
  );
  try {
    // CT-like content (ctSlice) in every box: smooth anatomy, edges and noise, 12 bits stored.
    const slice = ctSlice(3);
    const printed = await printFilm(server.dicomPort, {
      format: 'STANDARD\\4,5',
      filmSize: '14INX17IN',
      images: Array.from({ length: 20 }, () => [512, 512] as [number, number]),
      item: { '7FE00010': { vr: 'OW', Value: [slice.buffer] } },
    });
    expect(printed.status).toBe(0);
    await expect.poll(() => seen.some((e) => e.type === 'film.rendered'), { timeout: 60_000 }).toBe(true);
    const film = seen.find((e) => e.type === 'film.printed')!.film!;
    const order = seen.filter((e) => e.film === film).map((e) => e.type);
    expect(order).toEqual(['film.printed', 'film.preview', 'film.rendered']);

    const preview = seen.find((e) => e.type === 'film.preview')!;
    const served = await preview.thumb!;
    expect(served.status).toBe(200);
    const meta = await sharp(served.png).metadata();
    // 4480 x 5440 at 320 dpi, the thumbnail 480 wide.
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 480, 583, 1]);

    // The same film: against film.png reduced to the thumbnail's size, within a few grey levels.
    const dir = join(data, 'films', film);
    const full = await greyPixels(readFileSync(join(dir, 'film.png')), 480, 583);
    const thumb = await greyPixels(served.png, 480, 583);
    let sum = 0;
    for (let i = 0; i < full.length; i++) sum += Math.abs(full[i]! - thumb[i]!);
    const meanDiff = sum / full.length;
    console.log(`preview vs film.png reduced: mean |difference| ${meanDiff.toFixed(3)} grey levels`);
    expect(meanDiff).toBeLessThan(3);
    // And not a blank or uniform image: the boxes' anatomy is there.
    const { channels } = await sharp(served.png).stats();
    expect(channels[0]!.stdev).toBeGreaterThan(8);
    // The film's render left the preview's thumbnail as it was served.
    expect(readFileSync(join(dir, 'thumb.png')).equals(served.png)).toBe(true);
  } finally {
    stop.abort();
    await watching;
    await server.kill();
  }
}, 120_000);
