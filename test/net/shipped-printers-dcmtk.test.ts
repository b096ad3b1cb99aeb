/** The shipped printer profiles (printers/) answering DCMTK's print SCU as configured by default. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dcmPrint, exchangeSummary, generateImages, type TestImages } from '../support/dcmprint.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

let lb: TestLightbox;
let images: TestImages;
beforeAll(async () => {
  images = await generateImages(join(tmpdir(), 'lightbox-test-images-v1'));
  lb = await startLightbox({ printersDir: resolve('printers'), logLevel: 'warn', noRender: true });
}, 60_000);
afterAll(async () => {
  await lb?.stop();
});

const print = (calledAe: string, filmSize: string) =>
  dcmPrint(
    { port: lb.dicomPort, calledAe, images: images.ct, columns: 1, rows: 1, filmSize },
    mkdtempSync(join(tmpdir(), 'lightbox-shipped-')),
  );

it.each([
  ['DRYVIEW5950', '14INX17IN'],
  ['DRYPIX', '14INX17IN'],
  ['UPDF750', '14INX17IN'],
  ['IHERESTRICTED', '8INX10IN'],
])('%s prints a one-image film with every status 0x0000', async (ae, filmSize) => {
  const r = await print(ae, filmSize);
  expect(r.rejected).toBe(false);
  expect(exchangeSummary(r).filter((l) => !l.endsWith('0x0000'))).toEqual([]);
  expect(exchangeSummary(r)).toContain('N-ACTION BasicFilmBoxSOPClass 0x0000');
});

it('DRYSTAR5302 takes the Presentation LUT at film-session level only: a film-box reference gets 0x0105', async () => {
  const r = await print('DRYSTAR5302', '14INX17IN');
  expect(exchangeSummary(r)).toContain('N-CREATE BasicFilmBoxSOPClass 0x0105');
});
