import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusCategory } from '../../src/dicom/dimse/status.js';
import { dcmPrint, exchangeSummary, type TestImages } from '../support/dcmprint.js';
import type { TestLightbox } from '../support/lightbox.js';
import { closeConsole, openConsole, screen, screenshot } from './chromium.js';

let lb: TestLightbox;
let images: TestImages;
let browser: Browser;
let page: Page;
let work: string;
let prints = 0;

beforeAll(async () => {
  ({ lb, images, browser, page, work } = await openConsole('lightbox-browser-', { logLevel: 'warn' }));
}, 60_000);
afterAll(() => closeConsole({ browser, lb, work }));

const url = (hash: string) => `http://127.0.0.1:${lb.httpPort}/${hash}`;

/** W1: 20 CT slices on one 14x17 film, four columns by five rows, Max Density above the range. */
function printW1(label: string) {
  return dcmPrint(
    {
      port: lb.dicomPort,
      calledAe: 'LIGHTBOX',
      callingAe: 'CT_CONSOLE',
      images: images.ct,
      columns: 4,
      rows: 5,
      filmSize: '14INX17IN',
      maxDensity: 400,
      annotation: label,
    },
    join(work, `print${++prints}`),
  );
}

const nAction = (r: Awaited<ReturnType<typeof printW1>>) => r.exchanges.find((x) => x.request === 'N-ACTION');

/** Choose a status in the printer's card and apply it, as a user would. */
async function setStatusFromUi(status: string, info?: string) {
  await page.goto(url('#/printers'));
  const card = page.locator('[data-printer="LIGHTBOX"]');
  await card.locator(`label:has([data-status-choice="${status}"])`).click();
  if (info) await card.locator('input[name=info]').fill(info);
  await card.locator('[data-action=set-status]').click();
  await card.locator(`[data-printer-status="${status}"]`).waitFor();
}

describe('web console', () => {
  it('shows a print without reload, then the film with every box outlined and the 0xB605 clamp', async () => {
    await page.goto(url('#/jobs'));
    await page.locator('#live[data-state=live]').waitFor();
    // A marker that a reload would lose.
    await page.evaluate(() => {
      (globalThis as { stayed?: boolean }).stayed = true;
    });
    expect(await page.locator('[data-film]').count()).toBe(0);

    const r = await printW1('W1 LIGHTBOX');
    expect(r.accepted, r.log).toBe(1);
    expect(exchangeSummary(r)).toContain('N-CREATE BasicFilmBoxSOPClass 0xb605');
    expect(nAction(r)?.status, r.log).toBe(0);

    await page.locator('[data-film][data-render=rendered] img').waitFor({ timeout: 20_000 });
    await page.locator('[data-job-status=DONE]').waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => (globalThis as { stayed?: boolean }).stayed)).toBe(true);
    await screenshot(page, 'jobs');

    await page.locator('[data-film] a').first().click();
    const boxes = page.locator('svg.outlines rect[data-box]');
    await boxes.first().waitFor();
    expect(await boxes.count()).toBe(20); // STANDARD\4,5
    expect(await page.locator('rect[data-fate~="density-clamped"]').count()).toBe(20);
    expect(await page.locator('[data-film-statuses] [data-status="B605"]').count()).toBe(1);
    await expect.poll(() => page.locator('.side').innerText()).toMatch(/Max Density 400 lowered to 320/);
    expect(await page.locator('.annotations').innerText()).toContain('W1 LIGHTBOX');

    // The film at its real size (4480 x 5440 at 320 dpi) and aspect ratio, on screen, from tiles:
    // the fit view loads a coarse level, 1:1 the top level's tiles in view, never film.png.
    const asked: string[] = [];
    const onRequest = (rq: { url(): string }) => asked.push(new URL(rq.url()).pathname);
    page.on('request', onRequest);
    const stage = page.locator('.stage');
    await expect.poll(() => stage.getAttribute('data-tiles-ready'), { timeout: 10_000 }).not.toBeNull();
    const fitLevel = Number(await stage.getAttribute('data-tiles-ready'));
    expect(fitLevel).toBeLessThan(13);
    const shown = await page.locator('.stage img.base').boundingBox();
    expect(shown!.width / shown!.height).toBeCloseTo(4480 / 5440, 2);
    await screenshot(page, 'film-fit');

    // 1:1 printer pixels (level 13 of a 4480 x 5440 film), then wheel zoom beyond.
    const t0 = Date.now();
    await page.locator('[data-zoom="1:1"]').click();
    expect(Number(await page.locator('.zoom-readout').getAttribute('data-scale'))).toBeCloseTo(1, 3);
    await expect.poll(() => stage.getAttribute('data-tiles-ready'), { timeout: 10_000 }).toBe('13');
    const firstPaint = Date.now() - t0;
    const top = asked.filter((u) => u.includes('/tiles/13/'));
    // A 1280 x 800 viewport shows a few 512-pixel tiles (with the ones at its edges), of 99.
    expect(top.length).toBeGreaterThan(0);
    expect(top.length).toBeLessThanOrEqual(20);
    expect(asked.filter((u) => u.endsWith('/film.png'))).toEqual([]);
    console.info(`1:1 first paint ${firstPaint} ms from ${top.length} tiles`);
    page.off('request', onRequest);
    await screenshot(page, 'film-1to1');
    const vp = await page.locator('.viewport').boundingBox();
    await page.mouse.move(vp!.x + vp!.width / 2, vp!.y + vp!.height / 2);
    await page.mouse.wheel(0, -600);
    await expect
      .poll(async () => Number(await page.locator('.zoom-readout').getAttribute('data-scale')))
      .toBeGreaterThan(2);
    await page.locator('[data-zoom="Fit"]').click();
  });

  it('outlines a decimated image in amber with the 0xB60A its N-SET got, and empty boxes dashed', async () => {
    // A 2048x2500 CR does not fit a 3x3 box on 14x17 at 320 dpi: LIGHTBOX decimates it (0xB60A).
    const r = await dcmPrint(
      {
        port: lb.dicomPort,
        calledAe: 'LIGHTBOX',
        callingAe: 'CR_ROOM',
        images: [images.ct[0]!, images.cr, images.ct[1]!],
        columns: 3,
        rows: 3,
        filmSize: '14INX17IN',
      },
      join(work, `print${++prints}`),
    );
    expect(exchangeSummary(r)).toContain('N-SET BasicGrayscaleImageBoxSOPClass 0xb60a');
    await page.goto(url('#/jobs'));
    await page.locator('[data-film][data-render=rendered]').nth(1).waitFor({ timeout: 20_000 });
    await page.locator('[data-film] a').first().click();
    await page.locator('svg.outlines rect[data-box]').first().waitFor();
    expect(await page.locator('rect[data-box]').count()).toBe(9);
    const decimated = page.locator('rect[data-box="2"]');
    expect(await decimated.getAttribute('data-fate')).toBe('decimated');
    expect(await decimated.getAttribute('data-status')).toBe('B60A');
    expect(await decimated.getAttribute('class')).toContain('warning');
    expect(await page.locator('rect[data-fate="empty"]').count()).toBe(6);
    await screenshot(page, 'film-decimated-empty');
  });

  it('FAILURE set from the console refuses the next print; NORMAL again prints', async () => {
    await setStatusFromUi('FAILURE', 'FILM JAM');
    expect(lb.app.printers[0]!.runtime.status).toBe('FAILURE');
    await screenshot(page, 'printers-failure');

    const filmsBefore = (await lb.app.http.inject({ url: '/api/films' })).json().length;
    const refused = await printW1('REFUSED');
    const action = nAction(refused);
    expect(action, refused.log).toBeDefined();
    expect(statusCategory(action!.status), exchangeSummary(refused).join('\n')).toBe('failure');
    expect((await lb.app.http.inject({ url: '/api/films' })).json()).toHaveLength(filmsBefore);

    // The conversation view shows the refusal, red, with its Error Comment.
    await page.goto(url('#/associations'));
    const newest = page.locator('tr[data-association]').first();
    await newest.locator('.badge.failure').waitFor();
    await newest.locator('a').click();
    const row = page.locator('tr.msg[data-type="N-ACTION-RSP"]');
    await row.waitFor();
    await row.evaluate((r) =>
      (r as unknown as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'center' }),
    );
    expect(await row.getAttribute('data-category')).toBe('failure');
    expect(await row.getAttribute('data-status')).toBe(
      action!.status.toString(16).toUpperCase().padStart(4, '0'),
    );
    expect(await row.locator('.comment').innerText()).not.toBe('');
    await screenshot(page, 'conversation-refused');

    await setStatusFromUi('NORMAL');
    expect(lb.app.printers[0]!.runtime.status).toBe('NORMAL');
    const again = await printW1('AGAIN');
    expect(nAction(again)?.status, again.log).toBe(0);
    await page.goto(url('#/jobs'));
    await expect.poll(() => page.locator('[data-film]').count(), { timeout: 15_000 }).toBe(filmsBefore + 1);
  });

  it('pins and unpins a film from its view, the list marks it; a film removed while viewed says so and leaves the list', async () => {
    const films = (await lb.app.http.inject({ url: '/api/films' })).json() as { id: string }[];
    const first = films[0]!.id;
    const last = films.at(-1)!.id;
    const pinned = async (id: string) =>
      ((await lb.app.http.inject({ url: `/api/films/${id}` })).json() as { pinned: boolean }).pinned;

    await page.goto(url(`#/films/${first}`));
    await page.locator('[data-pin-control] [data-action=pin]').click();
    await page.locator('[data-pin-control] [data-action=unpin]').waitFor();
    expect(await pinned(first)).toBe(true);
    expect(await page.locator('[data-pin-control] .pin-mark').isVisible()).toBe(true);
    await screenshot(page, 'film-pinned');
    await page.goto(url('#/jobs'));
    await page.locator(`[data-film="${first}"][data-pinned] .pin-mark`).waitFor();
    expect(await page.locator('[data-film][data-pinned]').count()).toBe(1);

    await page.goto(url(`#/films/${first}`));
    await page.locator('[data-action=unpin]').click();
    await page.locator('[data-action=pin]').waitFor();
    expect(await pinned(first)).toBe(false);

    // The newest film, once rendered, removed (here over the API) while its view is open.
    await expect
      .poll(async () => (await lb.app.http.inject({ url: `/api/films/${last}` })).json().renderStatus, {
        timeout: 20_000,
      })
      .toBe('rendered');
    await page.goto(url(`#/films/${last}`));
    await page.locator('.side').waitFor();
    await page.locator('#live[data-state=live]').waitFor();
    expect((await lb.app.http.inject({ method: 'DELETE', url: `/api/films/${last}` })).statusCode).toBe(204);
    await expect.poll(() => page.locator('.view.film').innerText()).toMatch(/was deleted/);
    await page.goto(url('#/jobs'));
    await expect.poll(() => page.locator('[data-film]').count()).toBe(films.length - 1);
  });

  it('fits a laptop screen and a 4K monitor: no sideways scrolling, 1:1 means device pixels', async () => {
    const [film] = (await lb.app.http.inject({ url: '/api/films' })).json() as { id: string }[];
    for (const [name, w, hgt, dpr] of [
      ['laptop', 1366, 768, 1],
      ['4k', 1920, 1080, 2],
    ] as const) {
      const p = await screen(browser, w, hgt, dpr);
      for (const view of ['#/printers', `#/films/${film!.id}`, '#/associations']) {
        await p.goto(url(view));
        await p.locator('.view').first().waitFor();
        await p.waitForLoadState('networkidle');
        const overflow = await p.evaluate(() => {
          const d = (
            globalThis as unknown as {
              document: { documentElement: { scrollWidth: number; clientWidth: number } };
            }
          ).document;
          return d.documentElement.scrollWidth - d.documentElement.clientWidth;
        });
        expect(overflow, `${name} ${view}`).toBeLessThanOrEqual(0);
        if (view.startsWith('#/films')) {
          await p.locator('svg.outlines rect[data-box]').first().waitFor();
          await p.locator('[data-zoom="1:1"]').click();
          // One film pixel per device pixel: on a 200% screen that is half a CSS pixel.
          expect(Number(await p.locator('.zoom-readout').getAttribute('data-scale'))).toBeCloseTo(1, 3);
          const t = await p
            .locator('.stage')
            .evaluate((e) => (e as unknown as { style: { transform: string } }).style.transform);
          expect(t).toContain(`scale(${1 / dpr})`);
          await p.locator('[data-zoom="Fit"]').click();
        }
        await screenshot(p, `${name}-${view.split('/')[1]}`);
      }
      await p.context().close();
    }
  });
});
