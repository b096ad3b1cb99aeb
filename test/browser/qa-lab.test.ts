/**
 * The Film QA page and a film's measured curves in Chromium: a test pattern printed from the page
 * on this Lightbox (its film then passes its density report) and on DCMTK's dcmprscp; densitometer
 * readings uploaded for that film as a CSV file and as pasted JSON, each analysis shown step by
 * step with its verdict, the analyses listed, reopened and deleted.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RefScp, startDcmprscp } from '../support/dcmprint.js';
import { oracleDensity } from '../support/gsdf-oracle.js';
import type { TestLightbox } from '../support/lightbox.js';
import { closeConsole, openConsole, screenshot } from './chromium.js';

let lb: TestLightbox;
let browser: Browser;
let page: Page;
let work: string;
let scp: RefScp;
let filmId: string;

beforeAll(async () => {
  ({ lb, browser, page, work } = await openConsole('lightbox-browser-qa-lab-', { logLevel: 'warn' }));
  scp = await startDcmprscp({ dir: join(work, 'dcmprscp') });
}, 60_000);
afterAll(async () => {
  await scp?.stop();
  await closeConsole({ browser, lb, work });
});

const url = (hash: string) => `http://127.0.0.1:${lb.httpPort}/${hash}`;
const C = { dmin: 0.2, dmax: 3.0, L0: 2000, La: 10 };
/** 32 readings of a printer printing P^gamma on the GSDF, as a densitometer gives them. */
const readings = (gamma: number) =>
  Array.from({ length: 32 }, (_, i) => ({
    step: i + 1,
    od: Number(oracleDensity((Math.round((255 * i) / 31) / 255) ** gamma, C).toFixed(2)),
  }));

describe('Film QA page', () => {
  it('prints a pattern on this Lightbox: the answers, and the film, whose density report passes', async () => {
    await page.goto(url('#/qa'));
    await page.locator('tr[data-pattern]').first().waitFor();
    expect(await page.locator('tr[data-pattern]').count()).toBe(6);
    const form = page.locator('form.pattern-print-form');
    await form.locator('select[name=pattern]').selectOption('gray32');
    await form.locator('select[name=bits]').selectOption('8');
    expect(await form.locator('select[name=destination]').inputValue()).toBe('here:LIGHTBOX');
    expect(await form.locator('input[name=to]').isVisible()).toBe(false);
    await form.locator('input[name=filmSize]').fill('8inx10in');
    await form.locator('input[name=minDensity]').fill('20');
    await form.locator('input[name=maxDensity]').fill('300');
    await form.locator('[data-action=print-pattern]').click();
    const answer = page.locator('[data-pattern-print]');
    await answer.waitFor();
    expect(await answer.getAttribute('data-ok')).toBe('true');
    expect(await answer.locator('tr[data-request=N-ACTION]').getAttribute('data-status')).toBe('0x0000');
    filmId = (await answer.locator('a[data-film-link]').getAttribute('data-film-link'))!;
    expect(lb.app.store.films.get(filmId)?.printer).toBe('LIGHTBOX');
    await screenshot(page, 'qa-print-pattern');

    await lb.app.rendering.idle();
    await answer.locator('a[data-film-link]').click();
    const qa = page.locator('[data-qa]');
    await qa.locator('[data-verdict]').waitFor();
    expect(await qa.getAttribute('data-state')).toBe('pass');
    expect(await qa.locator('li[data-pattern="gray32"]').count()).toBe(1);
  }, 60_000);

  it('prints a pattern on another printer (dcmprscp) given as HOST:PORT:AE', async () => {
    await page.goto(url('#/qa'));
    const form = page.locator('form.pattern-print-form');
    await form.locator('select[name=destination]').waitFor();
    await form.locator('select[name=pattern]').selectOption('tg18-qc');
    await form.locator('select[name=destination]').selectOption('elsewhere');
    await form.locator('input[name=to]').fill(`127.0.0.1:${scp.port}:PRINTSCP`);
    await form.locator('input[name=displayFormat]').fill('STANDARD\\2,1');
    await form.locator('select[name=presentationLut]').selectOption('LIN OD');
    await form.locator('input[name=rows]').fill('256');
    await form.locator('input[name=cols]').fill('256');
    const since = scp.log().length;
    await form.locator('[data-action=print-pattern]').click();
    const answer = page.locator('[data-pattern-print]');
    await answer.waitFor();
    expect(await answer.getAttribute('data-ok')).toBe('true');
    expect(await answer.locator('a[data-film-link]').count()).toBe(0);
    expect(await answer.locator('tr[data-request=N-SET]').count()).toBe(2);
    const log = scp.log().slice(since);
    expect(log).toMatch(/\(2050,0020\) CS \[LIN OD\]/);
    // Two 256 x 256 12-bit images.
    expect((log.match(/\(7fe0,0010\) OW .*# 131072,/g) ?? []).length).toBe(2);
    // Both prints are listed, newest first.
    const runs = page.locator('ul.pattern-runs li[data-run]');
    await expect.poll(() => runs.count()).toBe(2);
    expect(await runs.first().textContent()).toContain(`127.0.0.1:${scp.port}:PRINTSCP`);
  }, 60_000);
});

describe("a film's measured curves", () => {
  it('uploads readings as a CSV file and as JSON, shows each analysis, lists, reopens and deletes them', async () => {
    await page.goto(url(`#/films/${filmId}`));
    const curves = page.locator(`[data-curves][data-film="${filmId}"]`);
    await curves.locator('.curve-list li').first().waitFor();
    expect(await curves.locator('li[data-curve]').count()).toBe(0);

    // A drifted printer (gamma 1.3), read into a CSV file, judged by mammography QC: fails.
    const csv = join(work, 'readings.csv');
    writeFileSync(
      csv,
      `step,od\n${readings(1.3)
        .map((r) => `${r.step},${r.od}`)
        .join('\n')}\n`,
    );
    await curves.locator('input[type=file]').setInputFiles(csv);
    await expect.poll(() => curves.locator('textarea[name=readings]').inputValue()).toMatch(/^step,od\n1,3/);
    await curves.locator('select[name=protocol]').selectOption('mammo-qc');
    await curves.locator('input[name=label]').fill('X-Rite 341 · drifted');
    await curves.locator('[data-action=analyse]').click();
    const analysis = curves.locator('[data-curve-analysis]');
    await analysis.waitFor();
    expect(await analysis.getAttribute('data-pass')).toBe('false');
    expect(await analysis.locator('tr[data-step]').count()).toBe(32);
    expect(await analysis.locator('tr[data-step][data-pass=false]').count()).toBeGreaterThan(5);
    expect(await analysis.textContent()).toMatch(/gamma 1\.3\d/);
    const drifted = (await analysis.getAttribute('data-curve'))!;
    await expect.poll(() => curves.locator('li[data-curve]').count()).toBe(1);
    // The plot loaded.
    await expect
      .poll(() =>
        analysis
          .locator('.curve-plot')
          .evaluate((i) => (i as unknown as { complete: boolean; naturalWidth: number }).naturalWidth),
      )
      .toBeGreaterThan(0);
    await analysis.evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'film-curve-analysis');

    // A printer on the GSDF, pasted as JSON: passes, listed first.
    await curves.locator('textarea[name=readings]').fill(JSON.stringify({ readings: readings(1) }));
    await curves.locator('select[name=protocol]').selectOption('ps3.14-d2');
    await curves.locator('input[name=label]').fill('');
    await curves.locator('[data-action=analyse]').click();
    await curves.locator('[data-curve-analysis][data-pass=true]').waitFor();
    await expect.poll(() => curves.locator('li[data-curve]').count()).toBe(2);
    expect(await curves.locator('li[data-curve]').first().getAttribute('data-pass')).toBe('true');

    // Reopen the drifted one from the list; then delete it.
    const item = curves.locator(`li[data-curve="${drifted}"]`);
    await item.locator('[data-action=show]').click();
    await curves.locator(`[data-curve-analysis][data-curve="${drifted}"]`).waitFor();
    expect(await curves.locator('[data-curve-analysis]').textContent()).toContain('X-Rite 341 · drifted');
    await item.locator('[data-action=delete]').click();
    await expect.poll(() => curves.locator('li[data-curve]').count()).toBe(1);
    expect(await curves.locator('[data-curve-analysis]').count()).toBe(0);
    expect(lb.app.store.curves.list({ filmId }).length).toBe(1);

    // The QA page lists it with its film.
    await page.goto(url('#/qa'));
    const all = page.locator('[data-curves-panel] li[data-curve]');
    await all.first().waitFor();
    expect(await all.count()).toBe(1);
    expect(await all.first().locator(`a[href="#/films/${filmId}"]`).count()).toBe(1);
    await screenshot(page, 'qa-page');
  }, 90_000);
});
