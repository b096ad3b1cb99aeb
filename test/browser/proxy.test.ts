/**
 * Proxy printers in a real browser: DCMTK prints W1 through a PROXY printer to a second Lightbox
 * (the real printer, armed to answer the first image box 0xB605 with an Error Comment); a second
 * proxy printer points at a port nobody listens on. The printers view shows each one's real
 * printer (mode, HOST:PORT:AE, transport) and its state (reachable; unreachable with the last
 * error), and "Check now" probes it (WARNING there; refused for the other); the association and
 * the film show the printer's answers next to Lightbox's, the differing one marked, and the
 * film's "SCU got" the printer's Error Comment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Uid } from '../../src/dicom/uids.js';
import { dcmPrint, freePort, type TestImages } from '../support/dcmprint.js';
import type { TestLightbox } from '../support/lightbox.js';
import { armFault, forwardingPrinters, startRealPrinter } from '../support/real-printer.js';
import { Scu } from '../support/scu.js';
import { closeConsole, openConsole, screenshot } from './chromium.js';

let printer: TestLightbox;
let lb: TestLightbox;
let images: TestImages;
let browser: Browser;
let page: Page;
let work: string;
let printers: string;
let downPort: number;

beforeAll(async () => {
  printer = await startRealPrinter();
  downPort = await freePort();
  printers = mkdtempSync(join(tmpdir(), 'lightbox-proxy-printers-'));
  forwardingPrinters(printers, { aeTitle: 'PROXY', mode: 'proxy', port: printer.dicomPort });
  forwardingPrinters(printers, {
    aeTitle: 'DOWN',
    mode: 'proxy',
    port: downPort,
    forward: { timeoutMs: 2000 },
  });
  ({ lb, images, browser, page, work } = await openConsole('lightbox-browser-proxy-', {
    logLevel: 'warn',
    noRender: true,
    printersDir: printers,
  }));
}, 60_000);
afterAll(async () => {
  await closeConsole({ browser, lb, work });
  await printer?.stop();
  rmSync(printers, { recursive: true, force: true });
});

it("shows each proxy printer's real printer and state, and the printer's answers beside Lightbox's", async () => {
  await armFault(printer, {
    kind: 'response',
    command: 'N-SET',
    sopClass: 'Basic Grayscale Image Box',
    status: '0xB605',
    errorComment: 'DENSITY CLAMPED',
  });
  const r = await dcmPrint(
    { port: lb.dicomPort, calledAe: 'PROXY', images: images.ct, columns: 4, rows: 5, filmSize: '14INX17IN' },
    join(work, 'w1'),
  );
  expect(r.errors).toEqual([]);
  expect(r.exchanges.filter((x) => x.status === 0xb605)).toHaveLength(1);
  // The printer behind DOWN is not there: the modality is turned away.
  await expect(
    Scu.open(lb.dicomPort, { called: 'DOWN', abstractSyntaxes: [Uid.BasicGrayscalePrintManagementMeta] }),
  ).rejects.toThrow(/association not accepted/);

  const [down, proxied] = lb.app.store.associations.list({}, { limit: 2, order: 'desc' }).items;
  expect(down?.printer).toBe('DOWN');
  expect(proxied?.printer).toBe('PROXY');
  for (let i = 0; i < 200 && !lb.app.store.associations.get(down!.id)?.endedAt; i++)
    await new Promise((res) => setTimeout(res, 50));

  // The printers view: where each real printer is, and how it went the last time.
  await page.goto(`http://127.0.0.1:${lb.httpPort}/#/printers`);
  const proxy = page.locator('[data-forward-config=PROXY]');
  await proxy.locator('[data-upstream-state=reachable]').waitFor();
  expect(await proxy.locator('[data-forward-mode]').getAttribute('data-forward-mode')).toBe('proxy');
  expect(await proxy.locator('[data-forward-target]').textContent()).toBe(
    `127.0.0.1:${printer.dicomPort}:LIGHTBOX`,
  );
  expect(await proxy.locator('[data-forward-tls]').textContent()).toBe('plain TCP');
  expect(await proxy.locator('[data-upstream-error]').count()).toBe(0);
  const downCard = page.locator('[data-forward-config=DOWN]');
  await downCard.locator('[data-upstream-state=unreachable]').waitFor();
  expect(await downCard.locator('[data-upstream-error]').textContent()).toMatch(/ECONNREFUSED/);
  expect(await downCard.locator(`[data-upstream-error] a[data-association=${down!.id}]`).count()).toBe(1);

  // "Check now": the real printer, WARNING for the occasion, is asked there and then.
  expect(await proxy.locator('[data-probe=none]').count()).toBe(1);
  const warned = await printer.app.http.inject({
    method: 'PUT',
    url: '/api/printers/LIGHTBOX/status',
    payload: { status: 'WARNING', info: 'SUPPLY LOW' },
  });
  expect(warned.statusCode).toBe(200);
  await proxy.locator('button[data-action=probe]').click();
  await proxy.locator('[data-probe=answered]').waitFor();
  expect(await proxy.locator('[data-probe-printer-status]').textContent()).toBe('WARNING');
  expect(await proxy.locator('[data-probe-status-info]').textContent()).toBe(' SUPPLY LOW');
  expect(await proxy.locator('[data-probe-answer=N-GET]').getAttribute('data-status')).toBe('0000');
  expect(await proxy.locator('[data-upstream-state=reachable] a[data-probe-link]').count()).toBe(1);
  await downCard.locator('button[data-action=probe]').click();
  await downCard.locator('[data-probe=unreachable]').waitFor();
  expect(await downCard.locator('[data-probe-detail]').textContent()).toMatch(/ECONNREFUSED/);
  expect(await downCard.locator('[data-upstream-error] a[data-probe-link]').count()).toBe(1);
  await proxy.scrollIntoViewIfNeeded();
  await screenshot(page, 'proxy-printers');

  // The association: the printer's side, and its answers beside Lightbox's.
  await page.goto(`http://127.0.0.1:${lb.httpPort}/#/associations/${proxied!.id}`);
  const panel = page.locator('section[data-upstream=released]');
  await panel.waitFor();
  expect(await panel.locator('[data-differences]').getAttribute('data-differences')).toBe('1');
  const differing = panel.locator('tr[data-pair][data-differs=true]');
  expect(await differing.count()).toBe(1);
  expect(await differing.getAttribute('data-printer-status')).toBe('B605');
  expect(await differing.getAttribute('data-lightbox-status')).toBe('0000');
  expect(await differing.locator('[data-printer-answer]').textContent()).toContain('DENSITY CLAMPED');
  // 2 N-CREATE + 20 N-SET + N-ACTION + N-DELETE... all relayed, all performed by Lightbox too.
  expect(await panel.locator('tr[data-pair][data-differs=false]').count()).toBeGreaterThanOrEqual(22);
  expect(
    await page.locator('tr.msg .lightbox-answer[data-lightbox-status="0000"]').count(),
  ).toBeGreaterThanOrEqual(23);
  await screenshot(page, 'proxy-association');

  // The film Lightbox kept: the print's answer and the differing one, both sides.
  const film = lb.app.store.films.list({ printer: 'PROXY' }, { limit: 1, order: 'desc' }).items[0]!;
  await page.goto(`http://127.0.0.1:${lb.httpPort}/#/films/${film.id}`);
  const side = page.locator('[data-proxy-film]');
  await side.locator('tr[data-pair]').first().waitFor();
  expect(await side.locator('tr[data-pair][data-differs=true]').count()).toBe(1);
  const action = side.locator('tr[data-pair][data-differs=false]');
  expect(await action.locator('td').nth(1).textContent()).toBe('N-ACTION-RSP');
  expect(await side.locator('th').allTextContents()).toEqual(['#', 'Answer', 'Printer', 'Lightbox']);
  // The box the printer warned about: the film says what the modality got, the printer's status.
  // with its Error Comment, and Lightbox's own answer under it where that differs.
  const box1 = page.locator('table.boxes tr[data-box="1"] td').nth(2);
  expect(await box1.locator('.badge').first().textContent()).toBe('0xB605');
  expect(await box1.locator('[data-scu-comment]').textContent()).toBe('DENSITY CLAMPED');
  expect(await box1.locator('.lightbox-answer').getAttribute('data-lightbox-status')).toBe('0000');
  expect(await box1.locator('.lightbox-answer').textContent()).toBe('Lightbox 0x0000');
  expect(await page.locator('table.boxes tr[data-box="2"] td').nth(2).textContent()).toBe('0x0000');
  await screenshot(page, 'proxy-film');
}, 120_000);
