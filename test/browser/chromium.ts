/**
 * Debian's Chromium driven by playwright-core (no browser download: the README's test command
 * installs the chromium package when it is missing). playwright gives each launch a
 * fresh temporary profile and removes it on close.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { Config } from '../../src/config/config.js';
import { generateImages, type TestImages } from '../support/dcmprint.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

export const CHROMIUM = process.env.LIGHTBOX_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = 'test/artifacts/screenshots';

export function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page on a screen of this size (CSS pixels) and density: a laptop, a 4K monitor at 200%... */
export async function screen(
  browser: Browser,
  width: number,
  height: number,
  deviceScaleFactor = 1,
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor });
  return context.newPage();
}

/** What a browser test works with: a Lightbox, DCMTK's test images, Chromium, a page, a work dir. */
export interface ConsoleSetup {
  lb: TestLightbox;
  images: TestImages;
  browser: Browser;
  /** On a 1440x900 laptop screen. */
  page: Page;
  /** Scratch directory for the prints' files. */
  work: string;
}

/** Start everything a browser test needs, at once; undo with closeConsole. */
export async function openConsole(workPrefix: string, lightbox: Partial<Config>): Promise<ConsoleSetup> {
  const work = mkdtempSync(join(tmpdir(), workPrefix));
  const [images, lb, browser] = await Promise.all([
    generateImages(join(tmpdir(), 'lightbox-test-images-v1')),
    startLightbox(lightbox),
    launch(),
  ]);
  return { lb, images, browser, work, page: await screen(browser, 1440, 900) };
}

/** Close what openConsole started (whatever of it did start). */
export async function closeConsole(s: Partial<ConsoleSetup>): Promise<void> {
  await s.browser?.close();
  await s.lb?.stop();
  if (s.work) rmSync(s.work, { recursive: true, force: true });
}

/** Save a screenshot as test/artifacts/screenshots/<name>.png (worth looking at). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}
