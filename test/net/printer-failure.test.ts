/**
 * A printer in FAILURE, as a modality sees it over the network: prints refused with the profile's
 * status (or accepted and failed), jobs in progress failing with the printer's status info, and
 * the association record keeping each message's attributes and Error Comment.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { grayImage, Scu } from '../support/scu.js';

const META = Uid.BasicGrayscalePrintManagementMeta;
const PROFILES: Record<string, string> = {
  'failjob.yaml': 'aeTitle: FAILJOB\nname: Accepts and fails\nwhenFailed: fail-job\n',
  'pf.yaml': 'aeTitle: PFAIL\nname: Processing failure\nwhenFailed: processing-failure\n',
  'slow.yaml':
    'aeTitle: SLOW\nname: Slow printer\nprintJob: { pendingMs: 50, msPerFilm: 5000, queueLimit: 4 }\n',
};

let lb: TestLightbox;
let printersDir: string;
const open: Scu[] = [];

beforeAll(async () => {
  printersDir = mkdtempSync(join(tmpdir(), 'lightbox-failure-printers-'));
  for (const [f, t] of Object.entries(PROFILES)) writeFileSync(join(printersDir, f), t);
  lb = await startLightbox({ printersDir, logLevel: 'warn', noRender: true });
});
afterAll(async () => {
  await lb?.stop();
  rmSync(printersDir, { recursive: true, force: true });
});
afterEach(() => {
  for (const s of open.splice(0)) s.destroy();
  for (const p of lb.app.printers) p.runtime.setStatus('NORMAL', 'NORMAL');
});

const runtime = (ae: string) => lb.app.printers.find((p) => p.caps.aeTitle === ae)!.runtime;
const ref = (cls: string, uid: string): DcmDataset => ({
  '00081150': { vr: 'UI', Value: [cls] },
  '00081155': { vr: 'UI', Value: [uid] },
});

/** Session, one 1x1 film box with an image; returns what a print needs. */
async function prepared(called: string) {
  const s = await Scu.open(lb.dicomPort, { called, abstractSyntaxes: [META, Uid.PrintJob] });
  open.push(s);
  const sid = (await s.nCreate(META, Uid.BasicFilmSession, {})).command.affectedSopInstanceUid!;
  const fb = await s.nCreate(META, Uid.BasicFilmBox, {
    '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] },
    '20100500': { vr: 'SQ', Value: [ref(Uid.BasicFilmSession, sid)] },
  });
  const fbUid = fb.command.affectedSopInstanceUid!;
  const box = String((fb.dataset!['20100510']!.Value as DcmDataset[])[0]!['00081155']!.Value![0]);
  const set = await s.nSet(META, Uid.BasicGrayscaleImageBox, box, {
    '20200010': { vr: 'US', Value: [1] },
    '20200110': { vr: 'SQ', Value: [grayImage(32, 32)] },
  });
  expect(set.command.status).toBe(0);
  return { s, sid, fbUid };
}

const jobOf = (p: { dataset?: DcmDataset }) =>
  String((p.dataset!['21000500']!.Value as DcmDataset[])[0]!['00081155']!.Value![0]);

describe('printing while the printer is in FAILURE', () => {
  it('refuse (default): film box 0xC602, film session 0xC601, with the status info; NORMAL prints again', async () => {
    const { s, sid, fbUid } = await prepared('LIGHTBOX');
    runtime('LIGHTBOX').setStatus('FAILURE', 'FILM JAM');
    const box = await s.nAction(META, Uid.BasicFilmBox, fbUid);
    expect(box.command.status).toBe(0xc602);
    expect(box.command.errorComment).toBe('printer FAILURE (FILM JAM): no print job created');
    const session = await s.nAction(META, Uid.BasicFilmSession, sid);
    expect(session.command.status).toBe(0xc601);
    runtime('LIGHTBOX').setStatus('NORMAL', 'NORMAL');
    expect((await s.nAction(META, Uid.BasicFilmBox, fbUid)).command.status).toBe(0);
  });

  it('processing-failure: 0x0110', async () => {
    const { s, fbUid } = await prepared('PFAIL');
    runtime('PFAIL').setStatus('FAILURE', 'ELEC DOWN');
    const r = await s.nAction(META, Uid.BasicFilmBox, fbUid);
    expect(r.command.status).toBe(0x0110);
    expect(r.command.errorComment).toBe('printer FAILURE (ELEC DOWN)');
  });

  it('fail-job: the print is accepted, the job ends in FAILURE with the printer status info', async () => {
    const { s, fbUid } = await prepared('FAILJOB');
    runtime('FAILJOB').setStatus('FAILURE', 'NO RIBBON');
    const p = await s.nAction(META, Uid.BasicFilmBox, fbUid);
    expect(p.command.status).toBe(0);
    const job = jobOf(p);
    // Printer FAILURE event first (the status change), then the job's PENDING and FAILURE.
    const events = await s.waitEvents(3);
    const jobEvents = events.filter((e) => e.sopInstanceUid === job);
    expect(jobEvents.map((e) => e.eventTypeId)).toEqual([1, 4]);
    expect(jobEvents[1]!.dataset!['21000030']!.Value).toEqual(['NO RIBBON']);
  });
});

describe('a printer that fails mid-job', () => {
  it('fails the job that is PRINTING with the printer status info, told by N-EVENT-REPORT', async () => {
    const { s, fbUid } = await prepared('SLOW');
    const p = await s.nAction(META, Uid.BasicFilmBox, fbUid);
    expect(p.command.status).toBe(0);
    const job = jobOf(p);
    await s.waitEvents(2); // PENDING, PRINTING
    expect(s.events.map((e) => e.eventTypeId)).toEqual([1, 2]);
    runtime('SLOW').setStatus('FAILURE', 'FILM JAM');
    const events = await s.waitEvents(4);
    const printerEvent = events.find((e) => e.sopClassUid === Uid.Printer)!;
    expect(printerEvent.eventTypeId).toBe(3);
    const last = events.filter((e) => e.sopInstanceUid === job).at(-1)!;
    expect(last.eventTypeId).toBe(4);
    expect(last.dataset!['21000030']!.Value).toEqual(['FILM JAM']);
  });
});

describe('when films are written', () => {
  it('while the association stays open, soon after N-ACTION (not only at its end)', async () => {
    const films = join(runtime('LIGHTBOX').dataDir, 'films');
    const count = () => (existsSync(films) ? readdirSync(films).filter((d) => !d.startsWith('.')).length : 0);
    const before = count();
    const { s, fbUid } = await prepared('LIGHTBOX');
    expect((await s.nAction(META, Uid.BasicFilmBox, fbUid)).command.status).toBe(0);
    await expect.poll(count, { timeout: 2000 }).toBe(before + 1);
    // Still open: the SCU can go on (an N-GET of the printer answers).
    expect((await s.nGet(META, Uid.Printer, Uid.PrinterInstance)).command.status).toBe(0);
  });
});

describe('the association record', () => {
  it('keeps each message attributes (VR as received, pixel data as a size and digest) and Error Comments', async () => {
    const { s, fbUid } = await prepared('LIGHTBOX');
    runtime('LIGHTBOX').setStatus('FAILURE', 'FILM JAM');
    await s.nAction(META, Uid.BasicFilmBox, fbUid);
    const summary = lb.app.store.associations.records({}, { limit: 1, order: 'desc' }).items[0]!;
    const create = summary.messages.find(
      (m) => m.direction === 'in' && m.type === 'N-CREATE-RQ' && m.sopClass === Uid.BasicFilmBox,
    )!;
    const format = create.attributes!.find((a) => a.keyword === 'ImageDisplayFormat')!;
    expect(format).toMatchObject({ tag: '20100010', vr: 'ST', value: ['STANDARD\\1,1'] });
    const created = summary.messages.find(
      (m) => m.direction === 'out' && m.type === 'N-CREATE-RSP' && m.sopClass === Uid.BasicFilmBox,
    )!;
    expect(created.attributes!.find((a) => a.keyword === 'ReferencedImageBoxSequence')!.items).toHaveLength(
      1,
    );
    const set = summary.messages.find((m) => m.type === 'N-SET-RQ')!;
    const item = set.attributes!.find((a) => a.keyword === 'BasicGrayscaleImageSequence')!.items![0]!;
    // Its size, and the digest taken while it streamed to disk (the pixels themselves are not kept).
    expect(item.find((a) => a.keyword === 'PixelData')!.value).toEqual([
      { bytes: 32 * 32 * 2, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    const refused = summary.messages.filter((m) => m.type === 'N-ACTION-RSP').at(-1)!;
    expect(refused).toMatchObject({
      status: 0xc602,
      errorComment: 'printer FAILURE (FILM JAM): no print job created',
    });
  });
});
