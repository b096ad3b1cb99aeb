/**
 * Faults as DCMTK's real print SCU (dcmpsprt + dcmprscu, test/support/dcmprint.ts) meets them:
 * 0xC605 on Image Box N-SET (one-shot, then nothing else changes), the memory-exhausted scenario
 * on large images only, an A-ABORT instead of the N-ACTION answer, and a short max PDU.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AssociationSummary } from '../../src/store/association-record.js';
import { dcmPrint, generateImages, type PrintOptions, type TestImages } from '../support/dcmprint.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

let lb: TestLightbox;
let images: TestImages;
let work: string;
const imageDir = join(tmpdir(), 'lightbox-test-images-v1');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-lab-dcmprint-'));
  images = await generateImages(imageDir);
  lb = await startLightbox({ logLevel: 'info', noRender: true, scenariosDir: resolve('scenarios') });
}, 60_000);
afterAll(async () => {
  await lb?.stop();
  if (work && !process.env.KEEP) rmSync(work, { recursive: true, force: true });
});
afterEach(async () => {
  await lb.app.http.inject({ method: 'DELETE', url: '/api/lab/faults' });
});

let jobs = 0;
const print = (callingAe: string, o: Partial<PrintOptions> = {}) =>
  dcmPrint(
    { port: lb.dicomPort, calledAe: 'LIGHTBOX', callingAe, images: images.ct, columns: 1, rows: 1, ...o },
    join(work, `job${++jobs}`),
  );

const statuses = (r: { exchanges: { request: string; sopClass: string; status: number }[] }) =>
  r.exchanges.map((x) => `${x.request} ${x.sopClass.replace(/SOPClass$/, '')} 0x${x.status.toString(16)}`);

async function records(calling: string, n: number): Promise<AssociationSummary[]> {
  const url = `/api/associations?callingAe=${calling}`;
  await expect
    .poll(
      async () =>
        (await lb.app.http.inject({ url })).json().filter((a: { endedAt?: string }) => a.endedAt).length,
      { timeout: 10_000 },
    )
    .toBe(n);
  const list = (await lb.app.http.inject({ url })).json() as { id: string }[];
  return Promise.all(
    list.map(async (a) => (await lb.app.http.inject({ url: `/api/associations/${a.id}` })).json()),
  );
}

const films = () => {
  const dir = join(lb.app.printers[0]!.runtime.dataDir, 'films');
  return existsSync(dir) ? readdirSync(dir).filter((d) => !d.startsWith('.')).length : 0;
};

describe('DCMTK print SCU meets lab faults', () => {
  it('a one-shot 0xC605 on Image Box N-SET, armed over HTTP: DCMTK gets it once, then prints cleanly', async () => {
    const arm = await lb.app.http.inject({
      method: 'POST',
      url: '/api/lab/faults',
      payload: {
        printer: 'LIGHTBOX',
        kind: 'response',
        command: 'N-SET',
        sopClass: 'Basic Grayscale Image Box',
        status: '0xC605',
        errorComment: 'Insufficient memory',
        count: 1,
      },
    });
    expect(arm.statusCode).toBe(201);
    const f = arm.json().armed[0];
    const first = await print('C605SCU');
    const nset = first.exchanges.find((x) => x.request === 'N-SET')!;
    expect(nset).toMatchObject({ status: 0xc605, statusText: expect.stringMatching(/Insufficient memory/i) });
    // DCMTK gives up on the film; the image was never stored (the handler did not run).
    expect(first.errors).toContain(
      'spooler: printer communication failed, unable to transmit basic grayscale image box',
    );
    expect(first.exchanges.some((x) => x.request === 'N-ACTION')).toBe(false);
    expect(lb.app.printers[0]!.runtime.memoryUsed).toBe(0);
    const filmsBefore = films();

    const second = await print('C605SCU');
    expect(
      statuses(second).every((s) => /0x0$/.test(s)),
      statuses(second).join(', '),
    ).toBe(true);
    expect(statuses(second)).toContain('N-ACTION BasicFilmBox 0x0');
    await expect.poll(films, { timeout: 10_000 }).toBe(filmsBefore + 1);
    const [r1, r2] = await records('C605SCU', 2);
    const fired = `${f.id} ${f.description}`;
    expect(r1!.faults).toEqual([fired]);
    const rq = r1!.messages.find((m) => m.type === 'N-SET-RQ')!;
    const rsp = r1!.messages.find((m) => m.type === 'N-SET-RSP')!;
    expect(rq.fault).toBe(fired);
    expect(rsp).toMatchObject({ status: 0xc605, errorComment: 'Insufficient memory', fault: fired });
    expect(r2!.faults).toEqual([]);
    expect(r2!.messages.some((m) => m.fault)).toBe(false);
    const list = (await lb.app.http.inject({ url: '/api/lab/faults' })).json()[0].faults;
    expect(list).toEqual([expect.objectContaining({ id: f.id, remaining: 0, fired: 1, active: false })]);
  }, 60_000);

  it('memory-exhausted scenario: the 2048x2500 CR gets 0xC605, a 512x512 CT prints', async () => {
    const r = await lb.app.http.inject({
      method: 'POST',
      url: '/api/lab/scenarios/memory-exhausted',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.statusCode).toBe(200);
    const cr = await print('MEMSCU', { images: [images.cr] });
    expect(cr.exchanges.find((x) => x.request === 'N-SET')?.status).toBe(0xc605);
    const ct = await print('MEMSCU');
    expect(ct.exchanges.find((x) => x.request === 'N-SET')?.status).toBe(0);
    const [big, small] = await records('MEMSCU', 2);
    expect(big!.faults).toHaveLength(1);
    expect(small!.faults).toEqual([]);
  }, 90_000);

  it('abort-mid-session scenario: N-ACTION unanswered, A-ABORT, nothing printed', async () => {
    await lb.app.http.inject({
      method: 'POST',
      url: '/api/lab/scenarios/abort-mid-session',
      headers: { 'content-type': 'application/json' },
    });
    // Earlier tests' jobs spool their films first (a job leaves the queue only once spooled).
    await expect.poll(() => lb.app.printers[0]!.runtime.queued, { timeout: 10_000 }).toBe(0);
    const before = films();
    const r = await print('ABORTSCU');
    expect(r.errors).toContain('spooler: printer communication failed, unable to print');
    expect(r.exchanges.find((x) => x.request === 'N-ACTION')).toMatchObject({ status: -1 });
    const [rec] = await records('ABORTSCU', 1);
    expect(rec!.ending).toBe('aborted-by-us');
    expect(rec!.faults).toEqual([expect.stringMatching(/A-ABORT .* on next N-ACTION on Basic Film Box/)]);
    expect(rec!.messages.at(-1)).toMatchObject({ type: 'N-ACTION-RQ', fault: rec!.faults[0] });
    await new Promise((r) => setTimeout(r, 300));
    expect(films()).toBe(before);
  }, 60_000);

  it('a short max PDU: DCMTK fragments a 512x512 image into 4 KiB PDUs and prints', async () => {
    await lb.app.http.inject({
      method: 'POST',
      url: '/api/lab/faults',
      payload: { kind: 'max-pdu', bytes: 4096, count: 1 },
    });
    const r = await print('SHORTPDU');
    expect(
      statuses(r).every((s) => /0x0$/.test(s)),
      statuses(r).join(', '),
    ).toBe(true);
    // 4096 less the PDU item and PDV headers (12 bytes).
    expect(r.log).toMatch(/Association accepted \(Max Send PDV: 4084\)/);
    const [rec] = await records('SHORTPDU', 1);
    expect(rec!.faults).toEqual([expect.stringMatching(/max PDU 4096/)]);
  }, 60_000);
});
