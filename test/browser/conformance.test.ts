/** The printer card links to the printer's conformance statement; it opens as a page of its own. */
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { launch, screen, screenshot } from './chromium.js';

let lb: TestLightbox;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [lb, browser] = await Promise.all([
    startLightbox({ logLevel: 'warn', printersDir: resolve('printers'), noRender: true }),
    launch(),
  ]);
  page = await screen(browser, 1440, 900);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await lb?.stop();
});

it('opens the DRYSTAR5302 conformance statement from its printer card, in a new tab', async () => {
  await page.goto(`http://127.0.0.1:${lb.httpPort}/#/printers`);
  const link = page.locator('[data-printer="DRYSTAR5302"] a[data-action=conformance]');
  await link.waitFor();
  expect(await link.textContent()).toBe('Conformance statement');
  const [tab] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
  await tab.waitForLoadState();
  expect(tab.url()).toBe(`http://127.0.0.1:${lb.httpPort}/api/printers/DRYSTAR5302/conformance?format=html`);
  expect(await tab.title()).toBe('DICOM Conformance Statement: Agfa Drystar 5302-like dry laser imager');
  expect(await tab.locator('h1').textContent()).toContain('Drystar 5302');
  // The contents lead to the sections; the SOP class table lists what the printer negotiates.
  await tab.locator('nav a[href="#sop-specific"]').click();
  expect(tab.url()).toMatch(/#sop-specific$/);
  expect(await tab.locator('#sop-classes table').innerText()).toContain('1.2.840.10008.5.1.1.9');
  expect(await tab.locator('#sop-classes table').innerText()).not.toContain('1.2.840.10008.5.1.1.18');
  await screenshot(tab, 'conformance-statement');
  // The Markdown, for a file.
  const md = page.locator('[data-printer="DRYSTAR5302"] a[download="DRYSTAR5302-conformance.md"]');
  expect(await md.getAttribute('href')).toBe('/api/printers/DRYSTAR5302/conformance?format=md');
  await tab.close();
});
