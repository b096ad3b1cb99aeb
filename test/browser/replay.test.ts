/**
 * The replay button in a real browser: a DCMTK W1 printed to Lightbox, its conversation opened,
 * replayed from the console to a second Lightbox whose profile takes one box per film: the diff
 * table marks the Film Box N-CREATE (0x0000 -> 0x0106) and the requests that could not follow.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dcmPrint, type TestImages } from '../support/dcmprint.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { closeConsole, openConsole, screenshot } from './chromium.js';

let lb: TestLightbox;
let other: TestLightbox;
let images: TestImages;
let browser: Browser;
let page: Page;
let work: string;

beforeAll(async () => {
  ({ lb, images, browser, page, work } = await openConsole('lightbox-browser-replay-', {
    logLevel: 'warn',
    noRender: true,
  }));
  other = await startLightbox({ logLevel: 'warn', noRender: true, printersDir: 'printers' });
}, 60_000);
afterAll(async () => {
  await other?.stop();
  await closeConsole({ browser, lb, work });
});

it('replays a conversation from its page and shows what the other printer answered differently', async () => {
  const r = await dcmPrint(
    {
      port: lb.dicomPort,
      calledAe: 'LIGHTBOX',
      images: images.ct,
      columns: 4,
      rows: 5,
      filmSize: '14INX17IN',
    },
    join(work, 'w1'),
  );
  expect(r.errors).toEqual([]);
  // The association list is an array, oldest first.
  const list = (await (await fetch(`http://127.0.0.1:${lb.httpPort}/api/associations`)).json()) as {
    id: string;
  }[];
  const id = list[0]!.id;
  await page.goto(`http://127.0.0.1:${lb.httpPort}/#/associations/${id}`);
  const panel = page.locator(`section.replay[data-replay="${id}"]`);
  await panel.locator('input[name=to]').fill(`127.0.0.1:${other.dicomPort}:IHERESTRICTED`);
  await panel.locator('button[data-action=replay]:not([disabled])').click();
  await panel.locator('table.replay-diff').waitFor({ timeout: 30_000 });
  const filmBox = panel.locator('tr[data-index="3"]');
  expect(await filmBox.getAttribute('data-original')).toBe('0x0000');
  expect(await filmBox.getAttribute('data-replayed')).toBe('0x0106');
  expect(await filmBox.getAttribute('data-differs')).toBe('true');
  expect(await panel.locator('[data-outcome=differs]').count()).toBe(1);
  await panel.locator('li[data-run]').first().waitFor();
  await screenshot(page, 'replay-diff');
}, 120_000);
