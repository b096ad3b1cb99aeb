/**
 * Outcomes where people look, in Chromium: film tiles and job rows say what became of them (warned
 * with which warnings, not delivered because of a film jam) with the reason on hover and on click;
 * film, print job and association link to each other; a jam after the release is on the verdict;
 * the film page's Image column says what happened in one phrase and no column is cut at 1440 px;
 * the title follows the view; printer descriptions are cut at a word; thousands of films page.
 */
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FilmSummary } from '../../src/store/film-index.js';
import { dcmPrint, exchangeSummary, type PrintOptions, type TestImages } from '../support/dcmprint.js';
import type { TestLightbox } from '../support/lightbox.js';
import { closeConsole, openConsole, screenshot } from './chromium.js';

let lb: TestLightbox;
let images: TestImages;
let browser: Browser;
let page: Page;
let work: string;
let prints = 0;

beforeAll(async () => {
  ({ lb, images, browser, page, work } = await openConsole('lightbox-browser-outcomes-', {
    logLevel: 'warn',
    printersDir: resolve('printers'),
    scenariosDir: resolve('scenarios'),
  }));
}, 60_000);
afterAll(() => closeConsole({ browser, lb, work }));

const url = (hash: string) => `http://127.0.0.1:${lb.httpPort}/${hash}`;
const api = async (path: string) => (await lb.app.http.inject({ url: path })).json();
const control = (method: 'POST' | 'PUT', path: string, body: object = {}) =>
  lb.app.http.inject({ method, url: path, headers: { 'content-type': 'application/json' }, payload: body });

function print(callingAe: string, o: Partial<PrintOptions> = {}) {
  return dcmPrint(
    {
      port: lb.dicomPort,
      calledAe: 'LIGHTBOX',
      callingAe,
      images: images.ct.slice(0, 4),
      columns: 2,
      rows: 2,
      filmSize: '14INX17IN',
      ...o,
    },
    join(work, `print${++prints}`),
  );
}

/** document.title, as the tab shows it. */
const title = () => page.title();

describe('outcomes in the console', () => {
  it('printer descriptions are cut at a word, never mid-word, and open whole on "more"', async () => {
    await page.goto(url('#/printers'));
    await page.locator('[data-printer] [data-description]').first().waitFor();
    expect(await title()).toBe('Printers · Lightbox');
    const printers = (await api('/api/printers')) as { aeTitle: string; description?: string }[];
    let cut = 0;
    for (const p of printers) {
      const card = page.locator(`[data-printer="${p.aeTitle}"]`);
      const shown = await card.locator('.desc-text').innerText();
      const full = p.description ?? '';
      if (shown === full) continue;
      cut++;
      const stem = shown.replace(/…$/, '');
      expect(full.startsWith(stem), p.aeTitle).toBe(true);
      // What follows the cut is not the rest of a word ("Facts: 32…" of "320 dpi").
      expect(full.charAt(stem.length), `${p.aeTitle}: "${shown.slice(-20)}"`).toMatch(/^[\s.,;:)]$/);
      expect(shown).toMatch(/(…|\.)$/);
      await card.locator('.desc-toggle').click();
      expect(await card.locator('.desc-text').innerText()).toBe(full);
    }
    expect(cut).toBeGreaterThanOrEqual(4); // the shipped profiles' descriptions are long notes
    await screenshot(page, 'outcomes-printers');
  });

  it('a warned film and a film jammed after the release: tile, job row, reason on hover and click', async () => {
    await page.goto(url('#/jobs'));
    await page.locator('#live[data-state=live]').waitFor();
    expect(await title()).toBe('Jobs & films · Lightbox');

    const warned = await print('CT_WARN', { maxDensity: 400 });
    expect(exchangeSummary(warned)).toContain('N-CREATE BasicFilmBoxSOPClass 0xb605');
    const tile = page.locator('[data-film][data-outcome=warned]');
    await tile.waitFor({ timeout: 20_000 });
    const badge = tile.locator('details.outcome summary');
    expect(await badge.innerText()).toBe('warned: 0xB605');
    expect(await badge.getAttribute('title')).toMatch(
      /^Delivered, but the SCU was answered with a warning: 0xB605 Min\/Max density out of range/,
    );
    await badge.click();
    expect(await tile.locator('.outcome-reason').isVisible()).toBe(true);
    expect(await tile.locator('.outcome-reason').innerText()).toContain("outside the printer's range");
    const warnedRow = page.locator('tr[data-job][data-outcome=warned]');
    expect(await warnedRow.locator('details.outcome summary').innerText()).toBe('warned: 0xB605');

    // The next job to print jams the printer; DCMTK has released by then. The warned job must have
    // printed first (PENDING for 200 ms after N-ACTION): armed before that, the jam would be its.
    await expect
      .poll(async () => ((await api('/api/jobs?callingAe=CT_WARN&status=DONE')) as unknown[]).length, {
        timeout: 20_000,
      })
      .toBe(1);
    expect((await control('POST', '/api/lab/scenarios/film-jam-mid-job')).statusCode).toBe(200);
    const jammed = await print('CT_JAM');
    expect(jammed.accepted, jammed.log).toBe(1);
    const lost = page.locator('[data-film][data-outcome=failed]');
    await lost.waitFor({ timeout: 20_000 });
    expect(await lost.locator('details.outcome summary').innerText()).toBe('not delivered: FILM JAM');
    expect(await lost.locator('.film-card').getAttribute('title')).toMatch(
      /^Not delivered: its print job ended in FAILURE \(FILM JAM\), so this film never came out of the printer\./,
    );
    const failedRow = page.locator('tr[data-job][data-outcome=failed]');
    expect(await failedRow.locator('details.outcome summary').innerText()).toBe('failed: FILM JAM');
    await screenshot(page, 'outcomes-jobs');
    expect((await control('PUT', '/api/printers/LIGHTBOX/status', { status: 'NORMAL' })).statusCode).toBe(
      200,
    );
    await lb.app.http.inject({ method: 'DELETE', url: '/api/lab/faults' });

    // Filtered by outcome: only the lost film and its job.
    await page.locator('select[name=outcome]').selectOption('failed');
    await expect.poll(() => page.locator('[data-film]').count()).toBe(1);
    expect(await page.locator('tr[data-job]').count()).toBe(1);
    await page.locator('select[name=outcome]').selectOption('warned');
    await expect.poll(() => page.locator('[data-film][data-outcome=failed]').count()).toBe(0);
    expect(await page.locator('[data-film]').count()).toBe(
      await page.locator('[data-film][data-outcome=warned]').count(),
    );
    await page.locator('select[name=outcome]').selectOption('');
  });

  it('film, print job and association link both ways; the jammed job and its lost film are on the verdict', async () => {
    const [film] = (await api('/api/films?outcome=failed')) as FilmSummary[];
    expect(film).toBeDefined();
    await page.goto(url('#/jobs'));
    // Film tile -> its print job.
    await page.locator(`[data-film="${film!.id}"] [data-job-link]`).click();
    await page.waitForURL(`**/#/jobs/${film!.jobUid}`);
    await page.locator(`tr[data-job="${film!.jobUid}"]`).waitFor();
    expect(await title()).toBe(`Print job …${film!.jobUid.slice(-12)} · Lightbox`);
    expect(await page.locator('tr[data-job]').count()).toBe(1);
    expect(await page.locator('[data-film]').count()).toBe(1);
    // Job -> the association that printed it.
    await page.locator(`tr[data-job="${film!.jobUid}"] [data-association]`).click();
    await page.waitForURL(`**/#/associations/${film!.associationId}`);
    const finding = page.locator('tr.finding[data-rule="job.failed"]');
    await finding.waitFor();
    expect(await finding.getAttribute('data-severity')).toBe('info');
    expect(await page.locator('.panel.verdict').getAttribute('data-verdict')).toBe('pass');
    expect(await title()).toBe(`Association ${film!.associationId} · CT_JAM → LIGHTBOX · Lightbox`);
    const job = page.locator(`.verdict-jobs li[data-job="${film!.jobUid}"]`);
    // The jam comes once the job prints, normally after DCMTK released; on a loaded machine DCMTK
    // may still be releasing. Either way the verdict says which, the same in both places.
    const after = (await job.getAttribute('data-after-release')) === 'true';
    expect(await finding.innerText()).toMatch(
      after
        ? /ended in FAILURE \(FILM JAM\) after the association was released: no event could tell the SCU; 1 film not delivered/
        : /ended in FAILURE \(FILM JAM\) while the association was open; 1 film not delivered/,
    );
    expect(await job.innerText()).toMatch(
      after
        ? /FAILURE .*\(FILM JAM\) — film not delivered — ended after the association was released/
        : /FAILURE .*\(FILM JAM\) — film not delivered(?! — ended after)/,
    );
    // The finding's note, where it says so.
    await finding.locator('details summary').click();
    const note = finding.locator('a.spec-link');
    expect(await note.getAttribute('href')).toBe('/spec/lifecycle#print-job');
    await screenshot(page, 'outcomes-verdict');
    // Association -> the film.
    await job.locator(`[data-film-link="${film!.id}"]`).click();
    await page.waitForURL(`**/#/films/${film!.id}`);
    await page.locator('.film-result [data-outcome=failed]').waitFor();
    expect(await title()).toBe(`Film ${film!.id} · Lightbox`);
    expect(await page.locator('.side [data-job-link]').getAttribute('href')).toBe(`#/jobs/${film!.jobUid}`);
    expect(await page.locator('.side [data-association]').getAttribute('href')).toBe(
      `#/associations/${film!.associationId}`,
    );

    const spec = await browser.newPage();
    await spec.goto(url('spec/lifecycle#print-job'));
    expect(await spec.locator('#print-job').count()).toBe(1);
    expect(await spec.locator('body').innerText()).toContain(
      'a film that jams after the release is never reported',
    );
    await spec.close();
  });

  it('the Image column says what happened to the image in one phrase; no column cut at 1440 px', async () => {
    // 512x512 asked 400 mm wide: more than a 14x17 film at 320 dpi holds, so decimated (0xB60A),
    // yet printed larger than its own pixels.
    const r = await print('CT_SIZE', {
      images: [images.ct[0]!],
      columns: 1,
      rows: 1,
      requestedImageSizeMm: 400,
    });
    expect(exchangeSummary(r)).toContain('N-SET BasicGrayscaleImageBoxSOPClass 0xb60a');
    const [film] = (await api('/api/films?callingAe=CT_SIZE')) as FilmSummary[];
    await page.goto(url(`#/films/${film!.id}`));
    const cell = page.locator('.side [data-image="1"]');
    await cell.waitFor({ timeout: 20_000 });
    await page.locator('svg.outlines rect[data-box]').first().waitFor({ timeout: 20_000 });
    await page.locator('.side [data-image="1"]').waitFor();
    const phrase = await page.locator('.side [data-image="1"]').innerText();
    expect(phrase).toMatch(
      /^512×512, 400 mm wide asked: more than its box holds, decimated to fit, printed \d+×\d+ \(×[\d.]+ of the image\)$/,
    );
    expect(await page.locator('.side tr[data-box="1"]').getAttribute('data-fate')).toBe('decimated');
    await screenshot(page, 'outcomes-film-decimated');

    // At 1440 px wide no cell of the side panel's tables runs past the panel.
    for (const view of [`#/films/${film!.id}`, '#/jobs']) {
      await page.goto(url(view));
      await page
        .locator(view === '#/jobs' ? 'tr[data-job]' : '.side table.boxes td')
        .first()
        .waitFor();
      const cut = await page.evaluate(() => {
        interface Rect {
          right: number;
        }
        interface El {
          textContent: string | null;
          scrollWidth: number;
          clientWidth: number;
          getBoundingClientRect(): Rect;
          closest(s: string): El | null;
          parentElement: El;
          querySelectorAll(s: string): El[];
        }
        const d = (globalThis as unknown as { document: { querySelectorAll(s: string): El[] } }).document;
        const out: string[] = [];
        for (const table of d.querySelectorAll('table')) {
          const box = (table.closest('aside, section.panel') ?? table.parentElement).getBoundingClientRect();
          for (const c of table.querySelectorAll('th, td')) {
            const r = c.getBoundingClientRect();
            if (r.right > box.right + 0.5 || c.scrollWidth > c.clientWidth + 1)
              out.push(`${c.textContent?.slice(0, 30)} (${Math.round(r.right)} > ${Math.round(box.right)})`);
          }
        }
        return out;
      });
      expect(cut, view).toEqual([]);
    }
  });

  it('a film whose render failed and a pinned one say so; "pinned only" lists the pinned', async () => {
    const [warnedFilm] = (await api('/api/films?callingAe=CT_WARN')) as FilmSummary[];
    const [sized] = (await api('/api/films?callingAe=CT_SIZE')) as FilmSummary[];
    // The renderer's own failures are tested with it; here the index says so, as it would.
    lb.app.store.films.setRender(warnedFilm!.id, 'failed', 'sharp: unsupported image format');
    expect((await control('PUT', `/api/films/${sized!.id}/pin`)).statusCode).toBe(200);
    // No event says so (the index was written behind the renderer's back): load the view afresh.
    await page.goto(url('#/jobs'));
    await page.reload();
    const failed = page.locator(`[data-film="${warnedFilm!.id}"]`);
    await failed.locator('.thumb-placeholder.failed').waitFor();
    expect(await failed.getAttribute('data-outcome')).toBe('render-failed');
    expect(await failed.locator('details.outcome summary').innerText()).toBe('render failed');
    expect(await failed.locator('details.outcome summary').getAttribute('title')).toBe(
      'Printed, but Lightbox could not render it: sharp: unsupported image format. The SCU was warned: 0xB605 Min/Max density out of range.',
    );
    expect(await page.locator(`tr[data-job="${warnedFilm!.jobUid}"]`).getAttribute('data-outcome')).toBe(
      'render-failed',
    );
    await page.locator('input[name=pinned]').check();
    await expect.poll(() => page.locator('[data-film]').count()).toBe(1);
    expect(await page.locator(`[data-film="${sized!.id}"][data-pinned] .pin-mark`).isVisible()).toBe(true);
    await page.locator('input[name=pinned]').uncheck();
    await expect.poll(() => page.locator('[data-film]').count()).toBeGreaterThan(1);
  });

  it('the Jobs & films view pages through thousands of films and filters them by outcome', async () => {
    const before = ((await api('/api/films?limit=1000')) as FilmSummary[]).length;
    const N = 2500;
    const t0 = new Date('2026-01-01T00:00:00Z').getTime();
    lb.app.store.db.transaction(() => {
      for (let i = 0; i < N; i++)
        lb.app.store.films.add({
          id: `bulk-${String(i).padStart(5, '0')}`,
          printer: 'LIGHTBOX',
          callingAeTitle: 'BULK',
          jobUid: `1.2.3.${i}`,
          printedAt: new Date(t0 + i * 1000).toISOString(),
          imageBoxes: 1,
          bytes: 1000,
          render: 'rendered',
          pinned: false,
          warnings: i % 50 === 0 ? [0xb605] : [],
        });
    })();
    // The API's pages under the console's filters (figures for the report).
    for (const q of [
      'limit=60&order=desc&callingAe=BULK',
      'limit=60&order=desc&outcome=warned',
      'limit=60&order=desc&outcome=failed',
    ]) {
      const start = performance.now();
      const r = await lb.app.http.inject({ url: `/api/films?${q}` });
      console.log(
        `GET /api/films?${q}: ${r.json().length} films in ${(performance.now() - start).toFixed(1)} ms over ${N + before} films`,
      );
    }

    await page.goto(url('#/jobs'));
    await page.locator('input[name=callingAe]').fill('BULK');
    await expect.poll(() => page.locator('[data-film^="bulk-"]').count()).toBe(60);
    expect(await page.locator('[data-count=films]').innerText()).toBe('60+ films');
    // Scrolling to the end of the list loads the next pages.
    for (const n of [120, 180]) {
      await page.locator('[data-more=films]').scrollIntoViewIfNeeded();
      await expect
        .poll(() => page.locator('[data-film^="bulk-"]').count(), { timeout: 10_000 })
        .toBeGreaterThanOrEqual(n);
    }
    const ids = await page
      .locator('[data-film]')
      .evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { film: string } }).dataset.film));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 3)).toEqual(['bulk-02499', 'bulk-02498', 'bulk-02497']);
    // "More" works without scrolling too.
    const shown = await page.locator('[data-film]').count();
    await page.locator('[data-more=films]').click();
    await expect.poll(() => page.locator('[data-film]').count()).toBeGreaterThan(shown);
    await screenshot(page, 'outcomes-paging');

    // Filtered by outcome: the 50 warned ones among the 2500, a page and the rest on scrolling.
    await page.locator('select[name=outcome]').selectOption('warned');
    await expect.poll(() => page.locator('[data-film]').count()).toBe(50);
    expect(await page.locator('[data-film]:not([data-outcome=warned])').count()).toBe(0);
    expect(await page.locator('[data-count=films]').innerText()).toBe('50 films');
    expect(await page.locator('[data-more=films]').isHidden()).toBe(true);
  });
});
