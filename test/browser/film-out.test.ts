/**
 * The console's film out: the film view offers the PDF and DICOM downloads (each one what the API
 * serves), and shows the film's exports live: a hot folder that cannot be written shows failed
 * with the reason; once it can, "Retry now" sends it and the row turns sent without a reload.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { printFilm } from '../support/print-session.js';
import { launch, screen, screenshot } from './chromium.js';

let lb: TestLightbox;
let browser: Browser;
let page: Page;
let work: string;
let hot: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-browser-film-out-'));
  hot = join(work, 'hot');
  // Not a directory: every export to it fails until the test makes it one.
  writeFileSync(hot, 'in the way');
  const printers = join(work, 'printers');
  mkdirSync(printers);
  writeFileSync(
    join(printers, 'hot.yaml'),
    `aeTitle: HOT\nname: Hot folder printer\nexport:\n  - { name: hot-folder, type: directory, path: ${hot}, formats: [pdf] }\n`,
  );
  [lb, browser] = await Promise.all([
    // Retries far apart: the retry the test sees is the one it asks for.
    startLightbox({ logLevel: 'warn', printersDir: printers, exportRetryBaseMs: 600_000 }),
    launch(),
  ]);
  page = await screen(browser, 1440, 900);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await lb?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('film out in the console', () => {
  it('downloads PDF and DICOM; a failed export shows why, Retry now sends it, live', async () => {
    expect((await printFilm(lb.dicomPort, { called: 'HOT', filmSize: '8INX10IN' })).status).toBe(0);
    await lb.app.rendering.idle();
    const id = lb.app.store.films.list({}, { limit: 1, order: 'desc' }).items[0]!.id;
    await page.goto(`http://127.0.0.1:${lb.httpPort}/#/films/${id}`);

    const row = page.locator('[data-export="hot-folder"]');
    await row.locator('[data-export-error]').waitFor({ timeout: 20_000 });
    expect(await row.getAttribute('data-export-state')).toBe('failed');
    expect(await row.locator('[data-export-error]').innerText()).toMatch(/ENOTDIR|EEXIST|not a directory/i);
    await screenshot(page, 'film-export-failed');

    for (const [output, type] of [
      ['film.pdf', 'application/pdf'],
      ['film.pdf?fit=A4', 'application/pdf'],
      ['film.dcm', 'application/dicom'],
    ]) {
      const href = await page.locator(`[data-output="${output}"]`).getAttribute('href');
      const r = await page.request.get(`http://127.0.0.1:${lb.httpPort}${href}`);
      expect(r.status(), output).toBe(200);
      expect(r.headers()['content-type']).toBe(type);
      const body = await r.body();
      expect(body.subarray(0, type === 'application/pdf' ? 4 : 132).toString('latin1')).toMatch(
        /^%PDF|DICM$/,
      );
    }

    rmSync(hot);
    mkdirSync(hot);
    await row.locator('[data-action=resend]').click();
    await page.locator('[data-export="hot-folder"][data-export-state="sent"]').waitFor({ timeout: 20_000 });
    await screenshot(page, 'film-export-sent');
  }, 90_000);
});
