/**
 * The film page's density QA section in Chromium: a QA pattern printed by DCMTK shows its verdict,
 * its boxes and the plot; a film without a pattern says so.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmPrint, type TestImages } from '../support/dcmprint.js';
import type { TestLightbox } from '../support/lightbox.js';
import { closeConsole, openConsole, screenshot } from './chromium.js';

let lb: TestLightbox;
let images: TestImages;
let browser: Browser;
let page: Page;
let work: string;
let prints = 0;

beforeAll(async () => {
  ({ lb, images, browser, page, work } = await openConsole('lightbox-browser-qa-', { logLevel: 'warn' }));
}, 60_000);
afterAll(() => closeConsole({ browser, lb, work }));

const url = (hash: string) => `http://127.0.0.1:${lb.httpPort}/${hash}`;

/** Print files with DCMTK, one per box; the new film's id once rendered. */
async function print(files: string[], columns = 1, rows = 1): Promise<string> {
  const before = new Set(lb.app.store.films.list({}, { limit: 1000, order: 'asc' }).items.map((f) => f.id));
  const r = await dcmPrint(
    { port: lb.dicomPort, calledAe: 'LIGHTBOX', images: files, columns, rows, filmSize: '8INX10IN' },
    join(work, `print${++prints}`),
  );
  expect(r.exchanges.find((e) => e.request === 'N-ACTION')?.status).toBe(0);
  await lb.app.rendering.idle();
  return lb.app.store.films.list({}, { limit: 1000, order: 'asc' }).items.find((f) => !before.has(f.id))!.id;
}

describe('film page, density QA', () => {
  it('shows the verdict, each box and the plot for a film carrying a pattern', async () => {
    const res = await fetch(url('api/qa/patterns/tg18-qc.dcm?bits=12&rows=512&cols=512'));
    const file = join(work, 'tg18-qc.dcm');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const id = await print([file, file], 2, 1);
    await page.goto(url(`#/films/${id}`));
    const qa = page.locator('[data-qa]');
    await qa.locator('[data-verdict]').waitFor();
    expect(await qa.getAttribute('data-state')).toBe('pass');
    expect(await qa.locator('li[data-pattern="tg18-qc"]').count()).toBe(2);
    // The plot loaded (an <img> of the SVG with a real size).
    const plotWidth = () =>
      qa.locator('.qa-plot').evaluate((i) => {
        const e = i as unknown as { complete: boolean; naturalWidth: number };
        return e.complete ? e.naturalWidth : 0;
      });
    await expect.poll(plotWidth).toBe(640);
    await qa.scrollIntoViewIfNeeded();
    await screenshot(page, 'film-qa');
  }, 60_000);

  it('says when a film carries no test pattern', async () => {
    const id = await print([images.ct[0]!]);
    await page.goto(url(`#/films/${id}`));
    await page.locator('[data-qa][data-state=none]').waitFor();
    expect(await page.locator('[data-qa]').textContent()).toMatch(/No QA test pattern/);
  }, 60_000);

  it('compares with a golden: the same job is the same, other images differ, side by side', async () => {
    const golden = await print([images.ct[1]!]);
    const same = await print([images.ct[1]!]);
    const other = await print([images.ct[5]!]);
    for (const [id, verdict] of [
      [same, 'pass'],
      [other, 'fail'],
    ] as const) {
      await page.goto(url(`#/films/${id}`));
      const diff = page.locator('[data-diff]');
      await diff.locator('input[name=against]').fill(golden);
      await diff.locator('[data-action=diff]').click();
      await page.locator(`[data-diff][data-state=${verdict}]`).waitFor();
      expect(await diff.locator('tr[data-region="box 1 image"]').getAttribute('data-pass')).toBe(
        String(verdict === 'pass'),
      );
      // Golden, this film and the difference, each loaded.
      const sizes = () =>
        diff
          .locator('.diff-images img')
          .evaluateAll((imgs) =>
            imgs.map((i) => (i as unknown as { complete: boolean; naturalWidth: number }).naturalWidth),
          );
      await expect.poll(async () => (await sizes()).filter((w) => w > 0).length).toBe(3);
      if (verdict === 'fail') {
        await diff.scrollIntoViewIfNeeded();
        await screenshot(page, 'film-diff');
      }
    }
  }, 90_000);
});
