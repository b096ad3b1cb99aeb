/**
 * Debian's Chromium driven by playwright-core (no browser download: the README's test command
 * installs the chromium package when it is missing). playwright gives each launch a
 * fresh temporary profile and removes it on close.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

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

/** Save a screenshot as test/artifacts/screenshots/<name>.png (worth looking at). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}
