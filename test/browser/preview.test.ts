/**
 * The film list shows a film's preview as soon as it is made, in Chromium: the film's own render is
 * held back here, so the tile is still `pending` when film.preview arrives; its thumbnail is swapped
 * in at once (img.preview, loaded, 480 px wide), and the film's tile becomes `rendered` after.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestLightbox } from '../support/lightbox.js';
import { printFilm } from '../support/print-session.js';
import { closeConsole, openConsole, screenshot } from './chromium.js';

let lb: TestLightbox;
let browser: Browser;
let page: Page;
let work: string;

beforeAll(async () => {
  ({ lb, browser, page, work } = await openConsole('lightbox-browser-preview-', { logLevel: 'warn' }));
}, 60_000);
afterAll(() => closeConsole({ browser, lb, work }));

it('swaps the preview into a pending film tile at once, then the film renders', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  const renderer = lb.app.renderer;
  const render = renderer.render.bind(renderer);
  renderer.render = async (dir, o) => {
    await held;
    return render(dir, o);
  };
  await page.goto(`http://127.0.0.1:${lb.httpPort}/#/jobs`);
  await page.locator('#live[data-state="live"], #live').first().waitFor();
  expect(
    (
      await printFilm(lb.dicomPort, {
        format: 'STANDARD\\2,2',
        filmSize: '14INX17IN',
        images: [
          [256, 256],
          [256, 256],
          [256, 256],
        ],
      })
    ).status,
  ).toBe(0);
  const tile = page.locator('li.film-tile[data-render="pending"]');
  const preview = tile.locator('img.preview');
  await preview.waitFor({ timeout: 20_000 });
  await expect
    .poll(
      () =>
        preview.evaluate((img) => {
          const i = img as unknown as { complete: boolean; naturalWidth: number };
          return i.complete ? i.naturalWidth : 0;
        }),
      {
        timeout: 10_000,
      },
    )
    .toBe(480);
  expect(await tile.locator('.thumb-placeholder').count()).toBe(0);
  await screenshot(page, 'film-list-preview');
  release();
  await page.locator('li.film-tile[data-render="rendered"] img').waitFor({ timeout: 30_000 });
  expect(await page.locator('li.film-tile[data-render="pending"]').count()).toBe(0);
}, 90_000);
