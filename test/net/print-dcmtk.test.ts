/** Lightbox as the Print SCP of DCMTK's real print SCU (dcmpsprt + dcmprscu), end to end. */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dcmPrint,
  exchangeSummary,
  generateImages,
  type PrintOptions,
  type TestImages,
} from '../support/dcmprint.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

let lb: TestLightbox;
let images: TestImages;
const imageDir = join(tmpdir(), 'lightbox-test-images-v1');

beforeAll(async () => {
  images = await generateImages(imageDir);
  lb = await startLightbox({ logLevel: 'info' });
}, 60_000);
afterAll(async () => {
  await lb?.stop();
});

async function print(o: Partial<PrintOptions>) {
  const work = mkdtempSync(join(tmpdir(), 'lightbox-dcmprint-'));
  return dcmPrint(
    { port: lb.dicomPort, calledAe: 'LIGHTBOX', images: images.ct, columns: 1, rows: 1, ...o },
    work,
  );
}

function filmsDir(): string[] {
  const dir = join(lb.app.printers[0]!.runtime.dataDir, 'films');
  return existsSync(dir) ? readdirSync(dir).filter((d) => !d.startsWith('.')) : [];
}

describe('DCMTK dcmprscu -> Lightbox', () => {
  it('W1: 20 CT on 14INX17IN STANDARD\\4,5, every status 0x0000, the film spooled', async () => {
    const before = filmsDir().length;
    const r = await print({ columns: 4, rows: 5, filmSize: '14INX17IN', label: 'W1' });
    expect(exchangeSummary(r)).toEqual(
      [
        'N-GET PrinterSOPClass 0x0000',
        'N-CREATE PresentationLUTSOPClass 0x0000',
        'N-CREATE BasicFilmSessionSOPClass 0x0000',
        'N-CREATE BasicFilmBoxSOPClass 0x0000',
        ...Array(20).fill('N-SET BasicGrayscaleImageBoxSOPClass 0x0000'),
        'N-SET BasicAnnotationBoxSOPClass 0x0000',
        'N-ACTION BasicFilmBoxSOPClass 0x0000',
        'N-DELETE BasicFilmBoxSOPClass 0x0000',
        'N-DELETE BasicFilmSessionSOPClass 0x0000',
        'N-DELETE PresentationLUTSOPClass 0x0000',
      ].filter((l) => !l.includes('Annotation')),
    );
    await expect.poll(() => filmsDir().length, { timeout: 10_000 }).toBe(before + 1);
    const film = JSON.parse(
      readFileSync(
        join(lb.app.printers[0]!.runtime.dataDir, 'films', filmsDir().at(-1)!, 'film.json'),
        'utf8',
      ),
    );
    expect(film.filmBox.matrix).toMatchObject({ width: 4480, height: 5440, dpi: 320 });
    expect(film.imageBoxes).toHaveLength(20);
    expect(film.imageBoxes[0].image).toMatchObject({ rows: 512, columns: 512, bitsStored: 12 });
  });
});
