/**
 * What the console may change, shown before any click (GET /api/control): Lightbox bound to every
 * interface without a token, opened on loopback (controls enabled) and on this machine's own
 * network address (the browser is then not a loopback client: controls disabled, the reason on
 * each and in the banner); then a Lightbox with a token and --protect-reads: nothing readable until
 * the login, whose HttpOnly cookie brings the event stream, the thumbnails and the controls.
 */
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { printFilm } from '../support/print-session.js';
import { launch, screen, screenshot } from './chromium.js';

let browser: Browser;
let page: Page;
let open: TestLightbox | undefined;
let locked: TestLightbox | undefined;
const TOKEN = 'browser-test-token-42';

/** An address of this machine that is not loopback (a browser there is a network client). */
const ownAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

beforeAll(async () => {
  [browser, open, locked] = await Promise.all([
    launch(),
    startLightbox({ logLevel: 'warn', noRender: true, host: '0.0.0.0', scenariosDir: resolve('scenarios') }),
    startLightbox({
      logLevel: 'warn',
      apiToken: TOKEN,
      protectReads: true,
      scenariosDir: resolve('scenarios'),
    }),
  ]);
  page = await screen(browser, 1440, 900);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([open?.stop(), locked?.stop()]);
});

const load = () => page.locator('[data-scenario="queue-full"] [data-action=load]');
const arm = () => page.locator('form.arm-form [data-action=arm]');
const banner = () => page.locator('#control-banner');

describe('console controls follow GET /api/control', () => {
  it('on loopback without a token (bound to 0.0.0.0): lab and printer controls enabled, no banner', async () => {
    await page.goto(`http://127.0.0.1:${open!.httpPort}/#/lab`);
    await page.locator('body[data-control=allowed]').waitFor();
    await load().waitFor();
    await arm().waitFor();
    expect(await load().isEnabled()).toBe(true);
    expect(await arm().isEnabled()).toBe(true);
    expect(await banner().isHidden()).toBe(true);
    expect(await page.locator('#token-button').isHidden()).toBe(true); // no token: nothing to log in with
    await page.goto(`http://127.0.0.1:${open!.httpPort}/#/printers`);
    expect(await page.locator('[data-printer="LIGHTBOX"] [data-action=set-status]').isEnabled()).toBe(true);
  });

  it('from the network without a token: disabled with the reason, before any click', async (ctx) => {
    if (!ownAddress) return ctx.skip('this machine has no non-loopback IPv4 address to browse from');
    await page.goto(`http://${ownAddress}:${open!.httpPort}/#/lab`);
    await page.locator('body[data-control=refused]').waitFor();
    await load().waitFor();
    await arm().waitFor();
    for (const button of [load(), arm()]) {
      expect(await button.isDisabled()).toBe(true);
      expect(await button.getAttribute('title')).toMatch(
        new RegExp(`from this machine \\(loopback\\).*this client is ${ownAddress.replace(/\./g, '\\.')}`),
      );
    }
    // The banner says why, and there is no login to offer (the server has no token).
    await banner().waitFor();
    expect(await banner().innerText()).toMatch(/^Read-only: .*no --api-token is set/);
    expect(await banner().locator('[data-action=login]').count()).toBe(0);
    // Reads are open: the scenarios are listed.
    expect(await page.locator('[data-scenario]').count()).toBeGreaterThan(3);
    await screenshot(page, 'control-refused');
    await page.goto(`http://${ownAddress}:${open!.httpPort}/#/printers`);
    const apply = page.locator('[data-printer="LIGHTBOX"] [data-action=set-status]');
    await apply.waitFor();
    await expect.poll(() => apply.isDisabled()).toBe(true);
    expect(open!.app.lab.faults().flatMap((p) => p.faults)).toEqual([]);
  });

  it('--protect-reads with a token: nothing until the login; its cookie brings events, thumbnails and control', async () => {
    await printFilm(locked!.dicomPort, { calling: 'LOCKSCU' });
    const auth = { authorization: `Bearer ${TOKEN}` };
    await expect
      .poll(
        async () => (await locked!.app.http.inject({ url: '/api/films', headers: auth })).json()[0]?.render,
        { timeout: 20_000 },
      )
      .toBe('rendered');

    const base = `http://127.0.0.1:${locked!.httpPort}`;
    await page.goto(`${base}/#/jobs`);
    await page.locator('body[data-control=refused]').waitFor();
    await banner().locator('[data-reads-reason]').waitFor();
    expect(await banner().innerText()).toMatch(
      /Nothing to show: reads need \(--protect-reads\) the API token/,
    );
    expect(await page.locator('[data-film]').count()).toBe(0);
    expect(await page.locator('#live').getAttribute('data-state')).not.toBe('live');
    await screenshot(page, 'control-login-needed');

    // A wrong token: said in the dialog, which stays open.
    await banner().locator('[data-action=login]').click();
    const dialog = page.locator('#token-dialog');
    await dialog.locator('input[name=token]').fill('not-the-token');
    await dialog.locator('button[value=login]').click();
    await expect.poll(() => dialog.locator('[data-login-message]').innerText()).toMatch(/not this server's/);
    expect(await dialog.isVisible()).toBe(true);

    // The right one: the page starts over with the cookie.
    await dialog.locator('input[name=token]').fill(TOKEN);
    await Promise.all([page.waitForEvent('load'), dialog.locator('button[value=login]').click()]);
    await page.locator('body[data-control=allowed]').waitFor();
    await page.locator('#live[data-state=live]').waitFor(); // EventSource carries the cookie
    const thumb = page.locator('[data-film][data-render=rendered] img');
    await thumb.waitFor();
    await expect
      .poll(() => thumb.evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(0);
    expect(await banner().isHidden()).toBe(true);
    expect(await page.locator('#token-button').innerText()).toBe('Logged in ✓');
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({
      name: `lightbox_session_${locked!.httpPort}`,
      httpOnly: true,
      sameSite: 'Strict',
    });
    expect(cookie!.value).not.toContain(TOKEN);
    expect(
      await page.evaluate(() =>
        JSON.stringify((globalThis as { localStorage?: unknown }).localStorage ?? {}),
      ),
    ).not.toContain(TOKEN);

    // Control with the cookie: load a scenario.
    await page.goto(`${base}/#/lab`);
    await load().waitFor();
    expect(await load().isEnabled()).toBe(true);
    await load().click();
    await expect
      .poll(() => page.locator('[data-scenario="queue-full"] .form-message').innerText())
      .toMatch(/^Armed f\d+, f\d+ on LIGHTBOX/);

    // Log out: back to nothing.
    await page.locator('#token-button').click();
    await Promise.all([page.waitForEvent('load'), dialog.locator('button[value=logout]').click()]);
    await page.locator('body[data-control=refused]').waitFor();
    expect(await load().count()).toBe(0); // the scenarios cannot be read
    expect(await page.context().cookies()).toEqual([]);
  }, 60_000);
});
