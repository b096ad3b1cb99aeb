/**
 * Proxy mode end to end: a modality (DCMTK's dcmpsprt + dcmprscu, W1: 20 CT images on 4x5, or the
 * test SCU) prints to a Lightbox printer whose profile says `forward: {mode: proxy}`; its session
 * is relayed live to the real printer and it is told the real printer's answers, while Lightbox
 * keeps its own film (the preview) and the record:
 *
 * - to DCMTK's dcmprscp: the film arrives there with its 20 image boxes, and here too;
 * - to a second Lightbox with an armed 0xC605 (FILM JAM): DCMTK sees 0xC605;
 * - the printer's N-EVENT-REPORTs reach the modality;
 * - the printer down, silent, slow or dropping: the documented answers (docs/proxy.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import { readFilm } from '../../src/scu/film-source.js';
import type { AssociationSummary } from '../../src/store/association-record.js';
import {
  dcmPrint,
  freePort,
  generateImages,
  type RefScp,
  startDcmprscp,
  type TestImages,
} from '../support/dcmprint.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { armFault, forwardingPrinters, startRealPrinter } from '../support/real-printer.js';
import { grayImage, Scu } from '../support/scu.js';

let work: string;
let images: TestImages;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-proxy-'));
  images = await generateImages(join(tmpdir(), 'lightbox-test-images'));
}, 60_000);
afterAll(async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

/** A Lightbox with one PROXY printer relaying to port:ae. */
async function proxyTo(
  name: string,
  port: number,
  printerAe: string,
  more: { forward?: Record<string, number>; profileYaml?: string } = {},
): Promise<TestLightbox> {
  const dir = forwardingPrinters(join(work, name, 'printers'), {
    aeTitle: 'PROXY',
    mode: 'proxy',
    port,
    printerAe,
    ...more,
  });
  const lb = await startLightbox({ printersDir: dir, logLevel: 'warn', noRender: true });
  stops.push(() => lb.stop());
  return lb;
}

const printer = () => startRealPrinter({ stops });

function w1(port: number, dir: string) {
  return dcmPrint(
    { port, calledAe: 'PROXY', columns: 4, rows: 5, images: images.ct, filmSize: '14INX17IN' },
    join(work, dir),
  );
}

async function until<T>(what: string, get: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The proxy's record of its (only, or last) ended association. */
async function lastAssociation(lb: TestLightbox): Promise<AssociationSummary> {
  const list = await until('the association record', () => {
    const all = lb.app.store.associations.list({}, { limit: 10, order: 'desc' }).items;
    return all.find((a) => a.endedAt !== undefined) ? all : undefined;
  });
  const ended = list.filter((a) => a.endedAt !== undefined);
  return lb.app.store.associations.get(ended[0]!.id)!;
}

const outOf = (a: AssociationSummary, type: string) =>
  a.messages.filter((m) => m.direction === 'out' && m.type === type);

describe('proxy to DCMTK dcmprscp', () => {
  let scp: RefScp;
  beforeAll(async () => {
    scp = await startDcmprscp({ dir: join(work, 'dcmprscp') });
    stops.push(() => scp.stop());
  });

  it('W1: the film arrives at the printer with its 20 image boxes; Lightbox keeps its own film and the record', async () => {
    const lb = await proxyTo('a', scp.port, 'PRINTSCP');
    const since = scp.log().length;
    const r = await w1(lb.dicomPort, 'a-w1');
    expect(r.errors).toEqual([]);
    expect(r.aborted).toBe(false);
    expect(r.exchanges.filter((x) => x.request === 'N-SET')).toHaveLength(20);
    expect(r.exchanges.every((x) => x.status === 0)).toBe(true);
    const log = await scp.waitForLog(/N-DELETE RQ/, since);
    expect((log.match(/Message Type\s+: N-SET RQ/g) ?? []).length).toBe(20);
    expect((log.match(/\(7fe0,0010\) OW .*# 524288,/g) ?? []).length).toBe(20);
    expect(log).toMatch(/Message Type\s+: N-ACTION RQ/);

    // The modality used the printer's names: the film box UID dcmprscp made is the one it was given.
    const a = await lastAssociation(lb);
    expect(a.upstream).toMatchObject({ target: `127.0.0.1:${scp.port}:PRINTSCP`, ending: 'released' });
    const fbCreate = outOf(a, 'N-CREATE-RSP').find((m) => m.sopClass === Uid.BasicFilmBox)!;
    expect(log).toContain(fbCreate.sopInstance!);
    // Lightbox performed every request itself too, under its own names, and stored the film.
    const sets = outOf(a, 'N-SET-RSP');
    expect(sets).toHaveLength(20);
    // Each image went on to the printer as it arrived.
    const setsIn = a.messages.filter((m) => m.type === 'N-SET-RQ');
    expect(setsIn.map((m) => m.relay)).toEqual(Array(20).fill('cut-through'));
    expect(sets.every((m) => m.lightbox?.status === 0 && m.upstreamMs !== undefined)).toBe(true);
    const films = lb.app.store.films.list({}, { limit: 10, order: 'desc' }).items;
    expect(films).toHaveLength(1);
    const film = readFilm(lb.app.store.filmFiles, films[0]!.id);
    expect(film.associationId).toBe(a.id);
    // The record and the verdict over the API, as for any association.
    const api = (await lb.app.http.inject({ method: 'GET', url: `/api/associations/${a.id}` })).json();
    expect(api.upstream.target).toBe(`127.0.0.1:${scp.port}:PRINTSCP`);
    expect(api.messages.find((m: { type: string }) => m.type === 'N-ACTION-RSP')).toMatchObject({
      status: 0,
      lightbox: { status: 0 },
    });
    const verdict = await lb.app.http.inject({ method: 'GET', url: `/api/associations/${a.id}/verdict` });
    expect(verdict.statusCode).toBe(200);
    expect(verdict.json().association).toBe(a.id);
    expect(film.filmBox.uid).not.toBe(fbCreate.sopInstance);
    expect(film.imageBoxes.filter((b) => b.image?.bytes === 524288)).toHaveLength(20);
  }, 90_000);
});

describe('proxy to a second Lightbox', () => {
  it('0xC605 FILM JAM there: DCMTK is told 0xC605 with its Error Comment; Lightbox did not place that image', async () => {
    const real = await printer();
    await armFault(real, {
      kind: 'response',
      command: 'N-SET',
      sopClass: 'Basic Grayscale Image Box',
      status: '0xC605',
      errorComment: 'FILM JAM',
    });
    const lb = await proxyTo('b', real.dicomPort, 'LIGHTBOX');
    const r = await w1(lb.dicomPort, 'b-w1');
    // DCMTK gives up on the film at its first failed image box, as it would at the real printer.
    expect(r.exchanges.map((x) => [x.request, x.status]).slice(-1)).toEqual([['N-SET', 0xc605]]);
    const a = await lastAssociation(lb);
    expect(a.ending).toBe('released');
    const jam = outOf(a, 'N-SET-RSP')[0]!;
    expect(jam).toMatchObject({ status: 0xc605, errorComment: 'FILM JAM' });
    // Refused there, so not performed here: Lightbox's own image box stays empty.
    expect(jam.lightbox).toBeUndefined();
    expect(outOf(a, 'N-CREATE-RSP').every((m) => m.lightbox?.status === 0)).toBe(true);
  }, 90_000);

  it("a warning with an Error Comment there: Lightbox's film keeps it, and its own answer beside it (film.json, API)", async () => {
    const real = await printer();
    await armFault(real, {
      kind: 'response',
      command: 'N-SET',
      sopClass: 'Basic Grayscale Image Box',
      status: '0xB605',
      errorComment: 'DENSITY OUT OF RANGE AT PRINTER',
    });
    await armFault(real, {
      kind: 'response',
      command: 'N-CREATE',
      sopClass: 'Basic Film Box',
      status: '0xB605',
      errorComment: 'FILM BOX WARNED',
    });
    const lb = await proxyTo('j', real.dicomPort, 'LIGHTBOX');
    const r = await w1(lb.dicomPort, 'j-w1');
    expect(r.errors).toEqual([]);
    expect(r.exchanges.filter((x) => x.status === 0xb605)).toHaveLength(2);
    const f = await until(
      'the film',
      () => lb.app.store.films.list({}, { limit: 1, order: 'desc' }).items[0],
    );
    const film = readFilm(lb.app.store.filmFiles, f.id);
    // film.json: what the modality was told, the printer's comment included, and Lightbox's own answer.
    const warned = film.imageBoxes.find((b) => b.statuses.includes(0xb605))!;
    expect(warned.answers).toEqual([
      { status: 0xb605, errorComment: 'DENSITY OUT OF RANGE AT PRINTER', lightbox: { status: 0 } },
    ]);
    expect(film.filmBox.answers).toEqual([
      { status: 0xb605, errorComment: 'FILM BOX WARNED', lightbox: { status: 0 } },
    ]);
    // Where both agreed, nothing of Lightbox's is kept beside the printer's.
    const others = film.imageBoxes.filter((b) => b !== warned);
    expect(others).toHaveLength(19);
    expect(others.every((b) => JSON.stringify(b.answers) === '[{"status":0}]')).toBe(true);
    // The API's outcome says the same (the conversation names the printer's instances, not these).
    const api = (await lb.app.http.inject({ method: 'GET', url: `/api/films/${f.id}` })).json();
    const box = api.outcome.boxes.find((b: { uid: string }) => b.uid === warned.uid);
    expect(box.status).toMatchObject({
      hex: 'B605',
      errorComment: 'DENSITY OUT OF RANGE AT PRINTER',
      source: 'film.json',
      lightbox: { hex: '0000', category: 'success' },
    });
    expect(
      api.outcome.boxes.filter((b: { status: { lightbox?: unknown } }) => b.status.lightbox),
    ).toHaveLength(1);
    expect(api.outcome.filmBox.statuses).toEqual([
      expect.objectContaining({
        hex: 'B605',
        errorComment: 'FILM BOX WARNED',
        lightbox: expect.objectContaining({ hex: '0000' }),
      }),
    ]);
    expect(api.outcome.filmBox.statuses[0].lightbox.errorComment).toBeUndefined();
  }, 90_000);

  it("the printer's N-EVENT-REPORTs reach the modality, naming the printer's print job", async () => {
    const real = await printer();
    const lb = await proxyTo('c', real.dicomPort, 'LIGHTBOX');
    const meta = Uid.BasicGrayscalePrintManagementMeta;
    const scu = await Scu.open(lb.dicomPort, { called: 'PROXY', abstractSyntaxes: [meta, Uid.PrintJob] });
    const session = await scu.nCreate(meta, Uid.BasicFilmSession, {});
    const sid = session.command.affectedSopInstanceUid!;
    const fb = await scu.nCreate(meta, Uid.BasicFilmBox, {
      '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] },
      '20100500': {
        vr: 'SQ',
        Value: [
          { '00081150': { vr: 'UI', Value: [Uid.BasicFilmSession] }, '00081155': { vr: 'UI', Value: [sid] } },
        ],
      },
    });
    const box = (fb.dataset!['20100510']!.Value as DcmDataset[])[0]!['00081155']!.Value![0] as string;
    const set = await scu.nSet(meta, Uid.BasicGrayscaleImageBox, box, {
      '20200010': { vr: 'US', Value: [1] },
      '20200110': { vr: 'SQ', Value: [grayImage(64, 64)] },
    });
    expect(set.command.status).toBe(0);
    const action = await scu.nAction(meta, Uid.BasicFilmBox, fb.command.affectedSopInstanceUid!);
    expect(action.command.status).toBe(0);
    const job = (action.dataset!['21000500']!.Value as DcmDataset[])[0]!['00081155']!.Value![0] as string;
    // The printer's own job, not the one Lightbox made for its preview.
    expect(real.app.store.jobs.get(job)).toBeDefined();
    const events = await scu.waitEvents(3);
    expect(events.map((e) => [e.sopClassUid, e.sopInstanceUid, e.eventTypeId])).toEqual([
      [Uid.PrintJob, job, 1],
      [Uid.PrintJob, job, 2],
      [Uid.PrintJob, job, 3],
    ]);
    await scu.release();
    const a = await lastAssociation(lb);
    expect(outOf(a, 'N-EVENT-REPORT-RQ').map((m) => m.sopInstance)).toEqual([job, job, job]);
  }, 60_000);

  it("a Lightbox profile that does not match the printer: the modality is told the printer's answers, the record shows Lightbox's", async () => {
    const real = await printer();
    const lb = await proxyTo('i', real.dicomPort, 'LIGHTBOX', {
      profileYaml: 'filmSizes: [{ id: 8INX10IN }]',
    });
    const r = await w1(lb.dicomPort, 'i-w1');
    expect(r.errors).toEqual([]);
    expect(r.exchanges.every((x) => x.status === 0)).toBe(true);
    const a = await lastAssociation(lb);
    const fb = outOf(a, 'N-CREATE-RSP').find((m) => m.sopClass === Uid.BasicFilmBox)!;
    expect(fb.status).toBe(0);
    expect(fb.lightbox?.status).not.toBe(0);
    expect(fb.lightbox?.errorComment).toMatch(/14INX17IN/);
    expect(real.app.store.films.totals().films).toBe(1);
  }, 60_000);

  it('the printer rejects the association: the modality gets its A-ASSOCIATE-RJ as it is', async () => {
    const real = await printer();
    const lb = await proxyTo('d', real.dicomPort, 'NOSUCHPRINTER');
    const r = await w1(lb.dicomPort, 'd-w1');
    expect(r.rejected).toBe(true);
    expect(r.rejection).toMatchObject({
      result: 'Rejected Permanent',
      reason: 'Called AE Title Not Recognized',
    });
  }, 60_000);
});

describe('the printer absent (docs/proxy.md)', () => {
  it('down (connection refused): A-ASSOCIATE-RJ rejected-transient, service-user, no reason', async () => {
    const lb = await proxyTo('e', await freePort(), 'NOBODY');
    const r = await w1(lb.dicomPort, 'e-w1');
    expect(r.rejected).toBe(true);
    expect(r.rejection).toEqual({
      result: 'Rejected Transient',
      source: 'Service User',
      reason: 'No Reason',
    });
    const a = await lastAssociation(lb);
    expect(a.upstream?.detail).toMatch(/ECONNREFUSED/);
  }, 60_000);

  it('silent (accepts TCP, never answers): the same rejection after timeoutMs', async () => {
    const held: Socket[] = [];
    const silent = createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    stops.push(async () => {
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(r));
    });
    const port = (silent.address() as { port: number }).port;
    const lb = await proxyTo('f', port, 'SILENT', { forward: { timeoutMs: 1000 } });
    const t0 = Date.now();
    const r = await w1(lb.dicomPort, 'f-w1');
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.rejection).toEqual({
      result: 'Rejected Transient',
      source: 'Service User',
      reason: 'No Reason',
    });
    const a = await lastAssociation(lb);
    expect(a.upstream?.detail).toMatch(/no A-ASSOCIATE-AC within 1000 ms/);
  }, 60_000);

  it('no answer to a request in time: 0x0110 with Error Comment, then A-ABORT', async () => {
    const real = await printer();
    await armFault(real, { kind: 'delay', command: 'N-ACTION', ms: 4000 });
    const lb = await proxyTo('g', real.dicomPort, 'LIGHTBOX', { forward: { timeoutMs: 1000 } });
    const r = await w1(lb.dicomPort, 'g-w1');
    expect(r.exchanges.find((x) => x.request === 'N-ACTION')?.status).toBe(0x0110);
    expect(r.aborted).toBe(true);
    const a = await lastAssociation(lb);
    const action = outOf(a, 'N-ACTION-RSP')[0]!;
    expect(action.errorComment).toBe('printer did not answer within 1000 ms');
    expect(a.ending).toBe('aborted-by-us');
    // Nothing was printed here either: the printer's state is unknown.
    expect(lb.app.store.films.totals().films).toBe(0);
  }, 60_000);

  it('the printer drops the association mid-session: 0x0110 "printer connection lost", then A-ABORT', async () => {
    const real = await printer();
    await armFault(real, { kind: 'drop', how: 'a-abort', command: 'N-SET' });
    const lb = await proxyTo('h', real.dicomPort, 'LIGHTBOX');
    const r = await w1(lb.dicomPort, 'h-w1');
    expect(r.exchanges.find((x) => x.request === 'N-SET')?.status).toBe(0x0110);
    expect(r.aborted).toBe(true);
    const a = await lastAssociation(lb);
    expect(outOf(a, 'N-SET-RSP')[0]!.errorComment).toBe('printer connection lost');
    expect(a.upstream?.ending).toBe('aborted-by-peer');
  }, 60_000);
});
