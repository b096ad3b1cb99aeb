/**
 * A full render waits for the print path to be quiet (src/render/film-rendering.ts): while a
 * modality keeps talking (here C-ECHOs every 20 ms on a second association), a film just printed
 * gets its preview within 200 ms, its full render only once the traffic has stopped for
 * --render-quiet (1 s here, so that a test process starved by a loaded machine does not look quiet;
 * 0.1 s by default), and under traffic that never stops, 2 s after its print all the same.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CommandField } from '../../src/dicom/dimse/command-fields.js';
import { Uid } from '../../src/dicom/uids.js';
import type { Lightbox } from '../../src/lightbox.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { printFilm } from '../support/print-session.js';
import { Scu } from '../support/scu.js';

let lb: TestLightbox;
beforeAll(async () => {
  lb = await startLightbox({ renderQuietMs: 1000 });
});
afterAll(() => lb.stop());

/** When the renderer was asked for each full render and each preview (performance.now()). */
function watchRenderer(app: Lightbox): { renders: number[]; previews: number[] } {
  const seen = { renders: [] as number[], previews: [] as number[] };
  const r = app.renderer;
  const render = r.render.bind(r);
  const preview = r.preview.bind(r);
  r.render = (...a) => {
    seen.renders.push(performance.now());
    return render(...a);
  };
  r.preview = (...a) => {
    seen.previews.push(performance.now());
    return preview(...a);
  };
  return seen;
}

/** C-ECHO on its own association every 20 ms until `stop` says so; when the last answer came. */
async function echoUntil(port: number, stop: () => boolean): Promise<number> {
  const s = await Scu.open(port, { abstractSyntaxes: [Uid.Verification] });
  let last = performance.now();
  try {
    while (!stop()) {
      const r = await s.request(Uid.Verification, {
        commandField: CommandField.C_ECHO_RQ,
        affectedSopClassUid: Uid.Verification,
      });
      expect(r.command.status).toBe(0);
      last = performance.now();
      await new Promise((res) => setTimeout(res, 20));
    }
  } finally {
    await s.release();
  }
  return last;
}

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

it('renders once the traffic stops, previews first', async () => {
  const seen = watchRenderer(lb.app);
  let stop = false;
  const echoes = echoUntil(lb.dicomPort, () => stop);
  let lastTraffic: number;
  try {
    const printed = await printFilm(lb.dicomPort, { format: 'STANDARD\\2,1', images: [[256, 256]] });
    expect(printed.status).toBe(0);
    const printedAt = performance.now();
    await until('the preview', () => seen.previews.length === 1);
    expect(seen.previews[0]! - printedAt).toBeLessThan(450);
    // The traffic goes on for 600 ms after the print: no full render is asked for meanwhile.
    await new Promise((res) => setTimeout(res, 600));
    expect(seen.renders).toEqual([]);
  } finally {
    stop = true;
    lastTraffic = await echoes;
  }
  await until('the render', () => seen.renders.length === 1);
  // The release came after the last echo answer: quiet is counted from there, at least 1 s.
  expect(seen.renders[0]! - lastTraffic).toBeGreaterThanOrEqual(990);
  await lb.app.rendering.idle();
});

it('renders after 2 s of waiting when the traffic never stops, a backlog back to back', async () => {
  const seen = watchRenderer(lb.app);
  let stop = false;
  const echoes = echoUntil(lb.dicomPort, () => stop);
  try {
    const printedAt: number[] = [];
    for (let i = 0; i < 3; i++) {
      const printed = await printFilm(lb.dicomPort, { format: 'STANDARD\\1,1', images: [[128, 128]] });
      expect(printed.status).toBe(0);
      printedAt.push(performance.now());
    }
    await until('the renders', () => seen.renders.length === 3, 20_000);
    const waited = seen.renders[0]! - printedAt[0]!;
    expect(waited).toBeGreaterThanOrEqual(1900);
    expect(waited).toBeLessThan(4000);
    // The second and third waited as long since their print: they follow the first at once, not
    // 2 s apart each (the wait counts from the print, not from the film's turn).
    expect(seen.renders[2]! - seen.renders[0]!).toBeLessThan(1500);
  } finally {
    stop = true;
    await echoes;
  }
  await lb.app.rendering.idle();
});
