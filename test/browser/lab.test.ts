import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmPrint, type PrintOptions, type TestImages } from '../support/dcmprint.js';
import type { TestLightbox } from '../support/lightbox.js';
import { closeConsole, openConsole, screen, screenshot } from './chromium.js';

let lb: TestLightbox;
let images: TestImages;
let browser: Browser;
let page: Page;
let work: string;
let prints = 0;

beforeAll(async () => {
  ({ lb, images, browser, page, work } = await openConsole('lightbox-browser-lab-', {
    logLevel: 'warn',
    noRender: true,
    scenariosDir: resolve('scenarios'),
  }));
}, 60_000);
afterAll(() => closeConsole({ browser, lb, work }));

const url = (hash: string) => `http://127.0.0.1:${lb.httpPort}/${hash}`;

const print = (callingAe: string, o: Partial<PrintOptions>) =>
  dcmPrint(
    { port: lb.dicomPort, calledAe: 'LIGHTBOX', callingAe, images: images.ct, columns: 1, rows: 1, ...o },
    join(work, `print${++prints}`),
  );

const faultRows = () => page.locator('[data-printer-faults="LIGHTBOX"] tr[data-fault]');

async function lastAssociation(callingAe: string): Promise<string> {
  const list = () => lb.app.http.inject({ url: `/api/associations?callingAe=${callingAe}` });
  await expect
    .poll(async () => (await list()).json().filter((a: { endedAt?: string }) => a.endedAt).length)
    .toBeGreaterThan(0);
  return (await list()).json().at(-1).id;
}

describe('test lab in the web console', () => {
  it('scenario loaded from the Lab view: its expectations, 0xC605 row, fault marker, the verdict (0xC605 as info, expectations met); form; disarm', async () => {
    await page.goto(url('#/lab'));
    await page.locator('#live[data-state=live]').waitFor();
    await page.locator('[data-nav=lab]:not([hidden])').waitFor();
    await page.locator('[data-armed] .notice').waitFor(); // nothing armed yet

    // Load memory-exhausted: two sticky 0xC605 faults (grayscale and color image boxes).
    const scenario = page.locator('[data-scenario="memory-exhausted"]');
    expect(await scenario.locator('.scenario-faults li').count()).toBe(2);
    // What a careful modality does, as the verdict will check it.
    expect(await scenario.locator('.scenario-expectations li').allInnerTexts()).toEqual([
      expect.stringMatching(/^expects no-print-after-failed-set /),
      expect.stringMatching(/^expects release-after-failure /),
      expect.stringMatching(/^expects answer-events /),
    ]);
    await scenario.locator('[data-action=load]').click();
    await expect.poll(() => faultRows().count()).toBe(2);
    const gray = faultRows().first();
    expect(await gray.getAttribute('data-kind')).toBe('response');
    expect(await gray.getAttribute('data-remaining')).toBe('sticky');
    expect(await gray.innerText()).toMatch(/N-SET[\s\S]*Basic Grayscale Image Box[\s\S]*0xC605/);
    expect(await scenario.locator('.form-message').innerText()).toMatch(/^Armed f\d+, f\d+ on LIGHTBOX/);
    await screenshot(page, 'lab-armed');

    // DCMTK prints the 2048x2500 CR: its image box N-SET gets 0xC605.
    const r = await print('CR_ROOM', { images: [images.cr] });
    expect(r.exchanges.find((x) => x.request === 'N-SET')?.status, r.log).toBe(0xc605);
    // The Lab view counts the firing, without reload.
    await page.locator('[data-printer-faults="LIGHTBOX"] tr[data-fault][data-fired="1"]').waitFor();
    const firedId = await gray.getAttribute('data-fault');

    // The conversation, from the associations list.
    const id = await lastAssociation('CR_ROOM');
    await page.goto(url('#/associations'));
    await page.locator(`tr[data-association="${id}"] a`).click();
    const rsp = page.locator('tr.msg[data-type="N-SET-RSP"]');
    await rsp.waitFor();
    expect(await rsp.getAttribute('data-status')).toBe('C605');
    expect(await rsp.getAttribute('data-category')).toBe('failure');
    expect(await rsp.getAttribute('data-fault')).toBe(firedId);
    expect(await rsp.locator('.fault-marker').innerText()).toContain(`⚡ fault ${firedId}`);
    expect(await page.locator('tr.msg[data-type="N-SET-RQ"] .fault-marker').count()).toBe(1);
    expect(await page.locator('tr.msg .fault-marker').count()).toBe(2);
    expect(await page.locator('.fault-banner li').allInnerTexts()).toEqual([
      expect.stringMatching(new RegExp(`^${firedId} .*answers 0xC605 Insufficient memory`)),
    ]);

    // The verdict: status.failure on the N-SET, injected by the fault: info, not against DCMTK.
    const verdict = page.locator('.verdict[data-verdict=pass]');
    await verdict.waitFor();
    expect(await verdict.locator('.verdict-counts').innerText()).toMatch(/^0 errors · 0 warnings · 1 info/);
    const finding = verdict.locator('tr.finding[data-rule="status.failure"]');
    expect(await finding.count()).toBe(1);
    expect(await finding.getAttribute('data-severity')).toBe('info');
    // The armed scenario's expectations over the run: DCMTK gave the film up and released.
    const results = verdict.locator('.verdict-expectations li');
    expect(
      await results.evaluateAll((lis) =>
        lis.map((li) => (li as unknown as { dataset: { result: string } }).dataset.result),
      ),
    ).toEqual(['met', 'met', 'not-applicable']);
    expect(await finding.innerText()).toMatch(/N-SET-RQ[\s\S]*0xC605 Insufficient memory/);
    expect(await finding.locator('.fault-note').innerText()).toContain(firedId!);
    // The spec quote: on hover (title) and on click (expanded).
    const spec = finding.locator('.spec details');
    expect(await spec.getAttribute('title')).not.toBe('');
    await spec.locator('summary').click();
    await finding.locator('.spec blockquote').waitFor({ state: 'visible' });
    // A click on the finding marks its message and the response.
    await finding.locator('td').nth(4).click();
    await page.locator('tr.msg.hot[data-type="N-SET-RQ"]').waitFor();
    expect(await rsp.getAttribute('class')).toContain('hot');
    // The downloads: the verdict as JSON and as JUnit XML.
    const fetched = await page.evaluate(async () => {
      const d = (globalThis as unknown as { document: { querySelectorAll(s: string): { href: string }[] } })
        .document;
      return Promise.all(
        [...d.querySelectorAll('.verdict a[data-download]')].map(async (a) => {
          const res = await fetch(a.href);
          return { type: res.headers.get('content-type'), body: await res.text() };
        }),
      );
    });
    expect(fetched).toHaveLength(2);
    expect(JSON.parse(fetched[0]!.body)).toMatchObject({ association: id, verdict: 'pass' });
    expect(fetched[1]!.type).toMatch(/xml/);
    // The 0xC605 is the fault's: on record (system-out), not a failure of DCMTK.
    expect(fetched[1]!.body).toMatch(/<testsuite[\s\S]*<system-out>[\s\S]*0xC605/);
    expect(fetched[1]!.body).not.toMatch(/<failure/);
    await page.mouse.move(0, 0); // no hover highlight in the picture
    await page.waitForTimeout(1000); // the scroll and the flash
    await screenshot(page, 'lab-conversation');

    // Arm with the form: the next film box N-ACTION answers 0xC602, once.
    await page.goto(url('#/lab'));
    await expect.poll(() => faultRows().count()).toBe(2);
    const form = page.locator('form.arm-form');
    // Its choices come from the server's tables: statuses grouped, the commonest fault chosen first.
    const groups = await form.locator('select[name=status] optgroup').all();
    expect(await Promise.all(groups.map((g) => g.getAttribute('label')))).toEqual([
      'Failure: print',
      'Failure: general',
      'Warning: print',
      'Warning: general',
      'Success',
    ]);
    expect(await form.locator('select[name=status]').inputValue()).toBe('0xC605');
    expect(await form.locator('select[name=command]').inputValue()).toBe('N-SET');
    expect(await form.locator('select[name=sopClass]').inputValue()).toBe('Basic Grayscale Image Box');
    await form.locator('label:has([data-kind-choice="response"])').click();
    await form.locator('select[name=command]').selectOption('N-ACTION');
    await form.locator('select[name=sopClass]').selectOption('Basic Film Box');
    await form.locator('select[name=status]').selectOption('0xC602');
    await form.locator('input[name=errorComment]').fill('Queue full (UI)');
    await form.locator('input[name=count]').fill('1');
    await form.locator('[data-action=arm]').click();
    await expect.poll(() => faultRows().count()).toBe(3);
    const armed = faultRows().nth(2);
    expect(await armed.getAttribute('data-remaining')).toBe('1');
    expect(await armed.innerText()).toMatch(/N-ACTION[\s\S]*Basic Film Box[\s\S]*0xC602/);

    // It fires on the next print (a 512x512 CT: the scenario's faults do not match it), once.
    const ct = await print('CT_ROOM', {});
    expect(ct.exchanges.find((x) => x.request === 'N-SET')?.status, ct.log).toBe(0);
    expect(ct.exchanges.find((x) => x.request === 'N-ACTION')?.status, ct.log).toBe(0xc602);
    await page.locator('tr[data-fault][data-fired="1"][data-active="false"]').waitFor();
    await screenshot(page, 'lab-form-fired');

    // Disarm the spent one, then everything else on LIGHTBOX.
    await armed.locator('[data-action=disarm]').click();
    await expect.poll(() => faultRows().count()).toBe(2);
    await page.locator('[data-printer-faults="LIGHTBOX"] [data-action=disarm-all]').click();
    await page.locator('[data-armed] .notice').waitFor();
    expect(await faultRows().count()).toBe(0);
    expect(await page.locator('[data-armed] .form-message').innerText()).toBe(
      'Disarmed 2 faults on LIGHTBOX.',
    );
    expect((await lb.app.http.inject({ url: '/api/lab/faults' })).json()).toEqual([
      { printer: 'LIGHTBOX', faults: [] },
    ]);
    await screenshot(page, 'lab-disarmed');
  });

  it('shows a status however the fault writes it: 50693, "C605", "0xC605", a key or a name', async () => {
    await page.goto(url('#/lab'));
    await page.locator('[data-armed] .notice').waitFor();
    const written = [50693, 'C605', '0xC605', 'InsufficientMemory', 'Insufficient memory'];
    for (const status of written) {
      const r = await lb.app.http.inject({
        method: 'POST',
        url: '/api/lab/faults',
        payload: { printer: 'LIGHTBOX', kind: 'response', command: 'N-GET', status },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    await expect.poll(() => faultRows().count()).toBe(written.length);
    for (const row of await faultRows().all()) {
      const badge = row.locator('.badge');
      expect(await badge.innerText()).toBe('0xC605 Insufficient memory');
      expect(await badge.getAttribute('class')).toBe('badge failure');
    }
    await lb.app.http.inject({ method: 'DELETE', url: '/api/lab/faults' });
    await page.locator('[data-armed] .notice').waitFor();
  });

  it('fits a laptop screen: the Lab view and the printer-status form, no sideways scrolling', async () => {
    const p = await screen(browser, 1366, 768);
    await p.goto(url('#/lab'));
    await p.locator('[data-scenario]').first().waitFor();
    await p.locator('form.arm-form label:has([data-kind-choice="printer-status"])').click();
    await p.locator('form.arm-form input[name=info]').waitFor({ state: 'visible' });
    expect(await p.locator('form.arm-form select[name=command]').isVisible()).toBe(false);
    const overflow = await p.evaluate(() => {
      const d = (
        globalThis as unknown as {
          document: { documentElement: { scrollWidth: number; clientWidth: number } };
        }
      ).document;
      return d.documentElement.scrollWidth - d.documentElement.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(p, 'lab-laptop');
    await p.context().close();
  });
});
