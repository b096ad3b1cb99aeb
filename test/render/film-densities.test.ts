/**
 * density.png is left out of a film's render and made on its first request: the same densities
 * an eager render writes, kept on disk for every later request (made once), counted in the film's
 * bytes; what reads densities (the file, the density report, 16-bit DICOM) gets it made first.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderFilm } from '../../src/render/film.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { printRendered } from '../support/rendered-film.js';

let lb: TestLightbox;
const scratch = mkdtempSync(join(tmpdir(), 'lightbox-densities-'));
beforeAll(async () => {
  lb = await startLightbox({ logLevel: 'info' });
});
afterAll(async () => {
  await lb.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const densities = async (png: Buffer | string) =>
  sharp(png).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });

it('is made on the first request, the same as an eager render, once, and counted in the film bytes', async () => {
  const { id, dir } = await printRendered(lb, {
    format: 'STANDARD\\2,1',
    filmSize: '8INX10IN',
    images: [
      [256, 256],
      [128, 200],
    ],
  });
  expect(existsSync(join(dir, 'film.png'))).toBe(true);
  expect(existsSync(join(dir, 'thumb.png'))).toBe(true);
  expect(existsSync(join(dir, 'density.png'))).toBe(false);
  const bytesBefore = lb.app.store.films.get(id)!.bytes;

  const first = await lb.app.http.inject({ url: `/api/films/${id}/density.png` });
  expect(first.statusCode).toBe(200);
  expect(first.headers['content-type']).toBe('image/png');
  // Durable: on disk, renamed into place (no temporary left), and served from there again.
  expect(existsSync(join(dir, 'density.png'))).toBe(true);
  expect(existsSync(join(dir, 'density.png.tmp'))).toBe(false);
  const again = await lb.app.http.inject({ url: `/api/films/${id}/density.png` });
  expect(again.rawPayload.equals(first.rawPayload)).toBe(true);
  expect(lb.logs.filter((l) => l.msg === 'density.png made on its first request')).toHaveLength(1);
  expect(lb.app.store.films.get(id)!.bytes).toBeGreaterThan(bytesBefore);

  // The densities an eager render of the same film writes, to the pixel.
  const copy = join(scratch, 'eager');
  cpSync(dir, copy, { recursive: true });
  rmSync(join(copy, 'density.png'));
  await renderFilm(copy);
  const served = await densities(first.rawPayload);
  const eager = await densities(readFileSync(join(copy, 'density.png')));
  expect(served.info).toMatchObject({ width: eager.info.width, height: eager.info.height, channels: 1 });
  expect(served.data.equals(eager.data)).toBe(true);
}, 120_000);

it('the density report and 16-bit DICOM make it first; a film not rendered has none', async () => {
  const { id, dir } = await printRendered(lb, { filmSize: '8INX10IN' });
  expect(existsSync(join(dir, 'density.png'))).toBe(false);
  const dcm = await lb.app.http.inject({ url: `/api/films/${id}/film.dcm?depth=16` });
  expect(dcm.statusCode).toBe(200);
  expect(existsSync(join(dir, 'density.png'))).toBe(true);

  const other = await printRendered(lb, { filmSize: '8INX10IN' });
  const qa = await lb.app.http.inject({ url: `/api/films/${other.id}/qa` });
  // Not a test pattern: the report may refuse it, but never for a missing density map.
  expect(qa.body).not.toMatch(/ENOENT|no files to measure/);
  expect(existsSync(join(other.dir, 'density.png'))).toBe(true);

  lb.app.store.films.setRender(other.id, 'failed', 'made up for the test');
  rmSync(join(other.dir, 'density.png'));
  expect((await lb.app.http.inject({ url: `/api/films/${other.id}/density.png` })).statusCode).toBe(404);
}, 120_000);

it('refuses at once (DensitiesBusy, 503 over HTTP) when too many films wait for theirs', async () => {
  const { DensitiesBusy, FilmDensities } = await import('../../src/render/film-densities.js');
  const never = new Promise<never>(() => {});
  const fake = {
    renderer: { density: () => never },
    store: {
      films: { get: () => ({ render: 'rendered' }) },
      filmFiles: { local: (id: string) => join(scratch, 'none', id) },
    },
  };
  const d = new FilmDensities(fake.renderer as never, fake.store as never, lb.app.densities.log);
  const waits = Array.from({ length: 9 }, (_, i) => d.ensure(`f${i}`));
  void Promise.allSettled(waits);
  await new Promise((r) => setTimeout(r, 50));
  await expect(d.ensure('f9')).rejects.toBeInstanceOf(DensitiesBusy);
});
