/**
 * Tee failures in a real browser: a W1 film on a TEE printer forwarding to a second Lightbox armed
 * with a one-shot 0xC605 (FILM JAM) shows as failed in the film view with the reason; Re-send
 * prints it there and the view says done.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dcmPrint, type TestImages } from '../support/dcmprint.js';
import type { TestLightbox } from '../support/lightbox.js';
import { armFault, forwardingPrinters, startRealPrinter } from '../support/real-printer.js';
import { closeConsole, openConsole, screenshot } from './chromium.js';

let printer: TestLightbox;
let lb: TestLightbox;
let images: TestImages;
let browser: Browser;
let page: Page;
let work: string;
let printers: string;

beforeAll(async () => {
  printer = await startRealPrinter();
  printers = forwardingPrinters(mkdtempSync(join(tmpdir(), 'lightbox-tee-printers-')), {
    aeTitle: 'TEE',
    mode: 'tee',
    port: printer.dicomPort,
    forward: { retryMs: 200 },
  });
  ({ lb, images, browser, page, work } = await openConsole('lightbox-browser-forward-', {
    logLevel: 'warn',
    noRender: true,
    printersDir: printers,
  }));
}, 60_000);
afterAll(async () => {
  await closeConsole({ browser, lb, work });
  await printer?.stop();
  rmSync(printers, { recursive: true, force: true });
});

it('shows a failed forward with its reason, and Re-send prints it', async () => {
  await armFault(printer, {
    kind: 'response',
    command: 'N-SET',
    sopClass: 'Basic Grayscale Image Box',
    status: '0xC605',
    errorComment: 'FILM JAM',
  });
  const r = await dcmPrint(
    { port: lb.dicomPort, calledAe: 'TEE', images: images.ct, columns: 4, rows: 5, filmSize: '14INX17IN' },
    join(work, 'w1'),
  );
  expect(r.errors).toEqual([]);
  const film = lb.app.store.films.list({}, { limit: 1, order: 'desc' }).items[0]!;
  for (let i = 0; i < 200 && lb.app.store.forwardQueue.get(film.id)?.state !== 'failed'; i++)
    await new Promise((res) => setTimeout(res, 50));
  await page.goto(`http://127.0.0.1:${lb.httpPort}/#/films/${film.id}`);
  const panel = page.locator('[data-forward]');
  await panel.locator('[data-forward-state=failed]').waitFor();
  expect(await panel.locator('[data-forward-error]').textContent()).toContain('0xC605 (FILM JAM)');
  await screenshot(page, 'forward-failed');
  await panel.locator('button[data-action=resend]:not([disabled])').click();
  for (let i = 0; i < 200 && lb.app.store.forwardQueue.get(film.id)?.state !== 'done'; i++)
    await new Promise((res) => setTimeout(res, 50));
  await page.reload();
  await page.locator('[data-forward] [data-forward-state=done]').waitFor();
  expect(await page.locator('[data-forward] li[data-run]').count()).toBe(2);
}, 120_000);
