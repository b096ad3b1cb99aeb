/**
 * film.pdf: one page the film's physical size (portrait and landscape), the film image at the
 * printer's pixel matrix (poppler renders the page at the printer's dpi back to film.png's pixels),
 * annotation and stamp texts selectable (pdftotext), and the fit-to-sheet option with its scale.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILM_SIZES_MM } from '../../src/profiles/film-sizes.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { printRendered, rerender, run } from '../support/rendered-film.js';

let lb: TestLightbox;
let tmp: string;
beforeAll(async () => {
  lb = await startLightbox({ logLevel: 'warn' });
  tmp = mkdtempSync(join(tmpdir(), 'lightbox-pdf-'));
});
afterAll(async () => {
  await lb?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function getPdf(id: string, query = ''): Promise<string> {
  const r = await lb.app.http.inject({ url: `/api/films/${id}/film.pdf${query}` });
  expect(r.statusCode, r.body.slice(0, 200)).toBe(200);
  expect(r.headers['content-type']).toBe('application/pdf');
  const path = join(tmp, `${id}${query.replace(/\W/g, '')}.pdf`);
  writeFileSync(path, r.rawPayload);
  return path;
}

/** Page size in mm, from pdfinfo's points. */
async function pageMm(path: string): Promise<[number, number]> {
  const { stdout } = await run('pdfinfo', [path]);
  const m = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(stdout);
  expect(m, stdout).not.toBeNull();
  return [(Number(m![1]) * 25.4) / 72, (Number(m![2]) * 25.4) / 72];
}

/** The page rendered by poppler at `dpi`, as 8-bit grey pixels. */
async function rasterised(
  path: string,
  dpi: number,
  [w, h]: [number, number],
): Promise<{ data: Buffer; width: number; height: number }> {
  const out = join(tmp, 'page');
  // Cropped to the film's pixels: poppler rounds the page's pixel size up.
  const crop = ['-x', '0', '-y', '0', '-W', String(w), '-H', String(h)];
  await run('pdftoppm', ['-r', String(dpi), ...crop, '-gray', '-singlefile', '-png', path, out]);
  const { data, info } = await sharp(`${out}.png`).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('GET /api/films/{id}/film.pdf', () => {
  it('14INX17IN: a 355.6 x 431.8 mm page whose pixels at the printer dpi are film.png, texts selectable', async () => {
    const { id, dir } = await printRendered(lb, {
      filmSize: '14INX17IN',
      format: 'STANDARD\\2,2',
      images: [
        [256, 256],
        [300, 200],
        [64, 64],
        [128, 512],
      ],
      filmBox: { '20100100': { vr: 'CS', Value: ['WHITE'] } },
    });
    await rerender(dir, (f) => {
      f.annotations = [{ position: 1, text: 'LEFT KNEE 42' }];
      f.printer.stamp = { filmSessionLabel: false, printer: true };
      // The film box had no annotation boxes, so its N-CREATE made no band: without the recorded
      // layout the texts go over the images (outlined), as for films spooled before it was kept.
      delete (f.filmBox as { text?: unknown }).text;
    });
    const path = await getPdf(id);
    const [w, h] = await pageMm(path);
    expect(w).toBeCloseTo(355.6, 1);
    expect(h).toBeCloseTo(431.8, 1);
    const film = await sharp(join(dir, 'film.png')).greyscale().raw().toBuffer({ resolveWithObject: true });
    // The embedded image is film.png's pixels, exactly (pdfimages writes it back out).
    await run('pdfimages', ['-png', path, join(tmp, 'embedded')]);
    const embedded = await sharp(join(tmp, 'embedded-000.png')).extractChannel(0).raw().toBuffer();
    expect(embedded.equals(film.data)).toBe(true);
    // The page poppler draws at the printer's 320 dpi is film.png (its image scaler smooths edges a little).
    const page = await rasterised(path, 320, [film.info.width, film.info.height]);
    let sum = 0;
    let far = 0;
    for (let i = 0; i < page.data.length; i++) {
      const d = Math.abs(page.data[i]! - film.data[i]!);
      sum += d;
      if (d > 32) far++;
    }
    expect(sum / page.data.length).toBeLessThan(3);
    expect(far / page.data.length).toBeLessThan(0.01);
    const { stdout: text } = await run('pdftotext', [path, '-']);
    expect(text).toContain('LEFT KNEE 42');
    expect(text).toContain('LIGHTBOX');
    // The image is embedded at the film's matrix: pdfimages lists it at 4480 x 5440.
    const { stdout: images } = await run('pdfimages', ['-list', path]);
    expect(images).toMatch(/\b4480\s+5440\s+gray\s+1\s+8\b/);
  }, 180_000);

  it('every film size, landscape too: the page is the film', async () => {
    for (const [size, orientation] of [
      ['8INX10IN', 'LANDSCAPE'],
      ['11INX14IN', 'PORTRAIT'],
      ['24CMX30CM', 'LANDSCAPE'],
      ['A4', 'PORTRAIT'],
    ] as const) {
      const { id } = await printRendered(lb, {
        filmSize: size,
        filmBox: { '20100040': { vr: 'CS', Value: [orientation] } },
      });
      const [pw, ph] = FILM_SIZES_MM[size]!;
      const [w, h] = await pageMm(await getPdf(id));
      const [ew, eh] = orientation === 'LANDSCAPE' ? [ph, pw] : [pw, ph];
      expect(w, size).toBeCloseTo(ew, 1);
      expect(h, size).toBeCloseTo(eh, 1);
    }
  }, 120_000);

  it("?fit=A4 / Letter / A3: the sheet, turned the film's way, with the scale printed", async () => {
    const { id } = await printRendered(lb, {
      filmSize: '14INX17IN',
      filmBox: { '20100040': { vr: 'CS', Value: ['LANDSCAPE'] } },
    });
    const a4 = await getPdf(id, '?fit=A4');
    const [w, h] = await pageMm(a4);
    expect(w).toBeCloseTo(297, 1);
    expect(h).toBeCloseTo(210, 1);
    const { stdout } = await run('pdftotext', [a4, '-']);
    // (210 - 24) / 355.6 of true size.
    expect(stdout).toContain('52.3 % of true size');
    const [lw, lh] = await pageMm(await getPdf(id, '?fit=Letter'));
    expect([Math.round(lw), Math.round(lh)]).toEqual([279, 216]);
    const [aw, ah] = await pageMm(await getPdf(id, '?fit=A3'));
    expect([Math.round(aw), Math.round(ah)]).toEqual([420, 297]);
    const bad = await lb.app.http.inject({ url: `/api/films/${id}/film.pdf?fit=B5` });
    expect(bad.statusCode).toBe(400);
  }, 60_000);

  it('404 for no film; 409 for a film not rendered', async () => {
    expect((await lb.app.http.inject({ url: '/api/films/nope/film.pdf' })).statusCode).toBe(404);
    const { id, dir } = await printRendered(lb);
    rmSync(join(dir, 'render.json'));
    const r = await lb.app.http.inject({ url: `/api/films/${id}/film.pdf` });
    expect(r.statusCode).toBe(409);
    expect(readFileSync(join(dir, 'film.json')).length).toBeGreaterThan(0);
  });
});
