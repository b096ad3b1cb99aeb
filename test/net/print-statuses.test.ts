/**
 * Every Print Management status Lightbox emits, provoked through the network by a real SCU
 * (test/support/scu.ts), against the embedded printer and a few profiles with other behaviours.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommandField } from '../../src/dicom/dimse/command-fields.js';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { grayImage, Scu } from '../support/scu.js';

const META = Uid.BasicGrayscalePrintManagementMeta;
const PROFILES: Record<string, string> = {
  'nocollate.yaml':
    'aeTitle: NOCOLLATE\nname: No collation\nmaxCollatedFilms: 0\nquirks: { omitSopClassUidInCreateResponse: true }\n',
  'tinymem.yaml': 'aeTitle: TINYMEM\nname: Tiny memory\nmemoryBytes: 100000\n',
  'slowq.yaml':
    'aeTitle: SLOWQ\nname: Slow queue\nprintJob: { pendingMs: 5000, msPerFilm: 5000, queueLimit: 1 }\n',
  'lenient.yaml':
    'aeTitle: LENIENT\nname: Lenient\nquirks: { unknownAttributes: ignore, unsupportedValues: default, oversizeStatus: C613 }\n',
  'demag.yaml':
    'aeTitle: DEMAG\nname: Demagnifies\ndecimateCrop: { default: DEMAGNIFY, honoursRequest: false }\n',
  'sessionlut.yaml':
    'aeTitle: SESSIONLUT\nname: P-LUT on the film session\npresentationLutLevel: film-session\n',
};

let lb: TestLightbox;
let printersDir: string;
const open: Scu[] = [];

beforeAll(async () => {
  printersDir = mkdtempSync(join(tmpdir(), 'lightbox-status-printers-'));
  for (const [f, t] of Object.entries(PROFILES)) writeFileSync(join(printersDir, f), t);
  lb = await startLightbox({ printersDir, logLevel: 'warn' });
});
afterAll(async () => {
  await lb?.stop();
  rmSync(printersDir, { recursive: true, force: true });
});
afterEach(() => {
  for (const s of open.splice(0)) s.destroy();
});

async function scu(called = 'LIGHTBOX', extra: string[] = []): Promise<Scu> {
  const s = await Scu.open(lb.dicomPort, { called, abstractSyntaxes: [META, Uid.PresentationLut, ...extra] });
  open.push(s);
  return s;
}

const cs = (v: string) => ({ vr: 'CS', Value: [v] });
const us = (v: number) => ({ vr: 'US', Value: [v] });
const st = (v: string) => ({ vr: 'ST', Value: [v] });
const ref = (cls: string, uid: string): DcmDataset => ({
  '00081150': { vr: 'UI', Value: [cls] },
  '00081155': { vr: 'UI', Value: [uid] },
});

async function session(s: Scu, ds: DcmDataset = {}): Promise<string> {
  const r = await s.nCreate(META, Uid.BasicFilmSession, ds);
  expect(r.command.status, r.command.errorComment).toBeLessThan(0xc000);
  return r.command.affectedSopInstanceUid!;
}

function filmBoxAttrs(sessionUid: string, format = 'STANDARD\\1,1', extra: DcmDataset = {}): DcmDataset {
  return {
    '20100010': st(format),
    '20100050': cs('8INX10IN'),
    '20100500': { vr: 'SQ', Value: [ref(Uid.BasicFilmSession, sessionUid)] },
    ...extra,
  };
}

async function filmBox(s: Scu, sessionUid: string, format = 'STANDARD\\1,1', extra: DcmDataset = {}) {
  const r = await s.nCreate(META, Uid.BasicFilmBox, filmBoxAttrs(sessionUid, format, extra));
  const boxes = ((r.dataset?.['20100510']?.Value ?? []) as DcmDataset[]).map((i) =>
    String(i['00081155']!.Value![0]),
  );
  return { r, uid: r.command.affectedSopInstanceUid!, boxes };
}

function imageSet(position: number, image: DcmDataset, extra: DcmDataset = {}): DcmDataset {
  return { '20200010': us(position), '20200110': { vr: 'SQ', Value: [image] }, ...extra };
}

async function setImage(s: Scu, box: string, ds: DcmDataset) {
  return s.nSet(META, Uid.BasicGrayscaleImageBox, box, ds);
}

const status = (r: { command: { status?: number } }) => r.command.status;

describe('success and warnings', () => {
  it('0x0000: session, film box, image, print; Film Box N-CREATE answers with the image box references', async () => {
    const s = await scu();
    const sid = await session(s);
    const fb = await filmBox(s, sid, 'STANDARD\\2,2');
    expect(status(fb.r)).toBe(0);
    expect(fb.r.command.affectedSopClassUid).toBe(Uid.BasicFilmBox);
    const refs = fb.r.dataset!['20100510']!.Value as DcmDataset[];
    expect(refs.map((i) => i['00081150']!.Value![0])).toEqual(Array(4).fill(Uid.BasicGrayscaleImageBox));
    expect(status(await setImage(s, fb.boxes[0]!, imageSet(1, grayImage(64, 64))))).toBe(0);
    const p = await s.nAction(META, Uid.BasicFilmBox, fb.uid);
    expect(status(p)).toBe(0);
    expect(p.command.actionTypeId).toBe(1);
    expect(status(await s.nDelete(META, Uid.BasicFilmSession, sid))).toBe(0);
  });

  it('0xB600: Memory Allocation is not supported', async () => {
    const s = await scu();
    const r = await s.nCreate(META, Uid.BasicFilmSession, { '20000060': { vr: 'IS', Value: [1024] } });
    expect(status(r)).toBe(0xb600);
  });

  it('0xB605: Max Density above the printer range -> warning, the printer value is used', async () => {
    const s = await scu();
    const fb = await filmBox(s, await session(s), 'STANDARD\\1,1', { '20100130': us(400) });
    expect(status(fb.r)).toBe(0xb605);
    expect(fb.r.dataset!['20100130']!.Value).toEqual([320]);
    expect(fb.r.command.errorComment).toMatch(/Max Density 400 lowered to 320/);
  });

  it('0xB605: Max Density 65535 and Min Density 0 are valid US values -> clamped to 20..320 on the wire', async () => {
    const s = await scu();
    const fb = await filmBox(s, await session(s), 'STANDARD\\1,1', {
      '20100130': us(65535),
      '20100120': us(0),
    });
    expect(status(fb.r)).toBe(0xb605);
    expect(fb.r.dataset!['20100130']!.Value).toEqual([320]);
    expect(fb.r.dataset!['20100120']!.Value).toEqual([20]);
    expect(fb.r.command.errorComment).toMatch(/Min Density 0 raised to 20, Max Density 65535 lowered/);
  });

  it('0xB603: printing a film box with no image; 0xB602 for the session', async () => {
    const s = await scu();
    const sid = await session(s);
    const fb = await filmBox(s, sid);
    expect(status(await s.nAction(META, Uid.BasicFilmBox, fb.uid))).toBe(0xb603);
    expect(status(await s.nAction(META, Uid.BasicFilmSession, sid))).toBe(0xb602);
  });

  it('0xB60A: an image larger than its box is decimated (default DECIMATE)', async () => {
    const s = await scu();
    const fb = await filmBox(s, await session(s), 'STANDARD\\10,10');
    const r = await setImage(s, fb.boxes[0]!, imageSet(1, grayImage(300, 300)));
    expect(status(r)).toBe(0xb60a);
    expect(r.command.errorComment).toMatch(/300x300 is larger than the 256x320 box/);
  });

  it('0xB609: CROP requested', async () => {
    const s = await scu();
    const fb = await filmBox(s, await session(s), 'STANDARD\\10,10');
    const r = await setImage(s, fb.boxes[0]!, imageSet(1, grayImage(300, 300), { '20200040': cs('CROP') }));
    expect(status(r)).toBe(0xb609);
  });

  it('0xB604: a printer that demagnifies whatever is asked', async () => {
    const s = await scu('DEMAG');
    const fb = await filmBox(s, await session(s), 'STANDARD\\10,10');
    expect(
      status(await setImage(s, fb.boxes[0]!, imageSet(1, grayImage(300, 300), { '20200040': cs('FAIL') }))),
    ).toBe(0xb604);
  });

  it('0xB601: film session printing on a printer without collation', async () => {
    const s = await scu('NOCOLLATE');
    const sid = await session(s);
    const fb = await filmBox(s, sid);
    await setImage(s, fb.boxes[0]!, imageSet(1, grayImage(32, 32)));
    expect(status(await s.nAction(META, Uid.BasicFilmSession, sid))).toBe(0xb601);
  });

  it('0x0001: an unknown attribute ignored by a lenient printer', async () => {
    const s = await scu('LENIENT');
    const fb = await filmBox(s, await session(s), 'STANDARD\\1,1', {
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'X' }] },
    });
    expect(status(fb.r)).toBe(0x0001);
  });

  it('0x0116: an unsupported value replaced by the default on a lenient printer', async () => {
    const s = await scu('LENIENT');
    const fb = await filmBox(s, await session(s), 'STANDARD\\1,1', { '20100060': cs('FANCY') });
    expect(status(fb.r)).toBe(0x0116);
    expect(fb.r.dataset!['20100060']!.Value).toEqual(['CUBIC']);
  });

  it('quirk: N-CREATE-RSP without Affected SOP Class UID', async () => {
    const s = await scu('NOCOLLATE');
    const fb = await filmBox(s, await session(s));
    expect(status(fb.r)).toBe(0);
    expect(fb.r.command.affectedSopClassUid).toBeUndefined();
  });
});

describe('print failures', () => {
  it('0xC600: film session printing without a film box', async () => {
    const s = await scu();
    expect(status(await s.nAction(META, Uid.BasicFilmSession, await session(s)))).toBe(0xc600);
  });

  it('0xC616: a second unprinted film box on a printer without film session printing', async () => {
    const s = await scu('NOCOLLATE');
    const sid = await session(s);
    await filmBox(s, sid);
    const second = await filmBox(s, sid);
    expect(status(second.r)).toBe(0xc616);
  });

  it('0xC603: FAIL requested for an image larger than its box; DECIMATE with NONE', async () => {
    const s = await scu();
    const fb = await filmBox(s, await session(s), 'STANDARD\\10,10');
    expect(
      status(await setImage(s, fb.boxes[0]!, imageSet(1, grayImage(300, 300), { '20200040': cs('FAIL') }))),
    ).toBe(0xc603);
    const none = await setImage(
      s,
      fb.boxes[1]!,
      imageSet(2, grayImage(300, 300), { '20200040': cs('DECIMATE'), '20100060': cs('NONE') }),
    );
    expect(status(none)).toBe(0xc603);
  });

  it('0xC613: a printer that reports the combined-print-image failure', async () => {
    const s = await scu('LENIENT');
    const fb = await filmBox(s, await session(s), 'STANDARD\\10,10');
    expect(
      status(await setImage(s, fb.boxes[0]!, imageSet(1, grayImage(300, 300), { '20200040': cs('FAIL') }))),
    ).toBe(0xc613);
  });

  it('0xC605: image data beyond the printer memory', async () => {
    const s = await scu('TINYMEM');
    const fb = await filmBox(s, await session(s), 'STANDARD\\2,1');
    expect(status(await setImage(s, fb.boxes[0]!, imageSet(1, grayImage(200, 200))))).toBe(0); // 80 000 bytes
    const r = await setImage(s, fb.boxes[1]!, imageSet(2, grayImage(200, 200)));
    expect(status(r)).toBe(0xc605);
    // Replacing the first image frees its memory first: still fits.
    expect(status(await setImage(s, fb.boxes[0]!, imageSet(1, grayImage(200, 200))))).toBe(0);
  });

  it('0xC602 / 0xC601: print queue full', async () => {
    const s = await scu('SLOWQ');
    const sid = await session(s);
    const a = await filmBox(s, sid);
    expect(status(await s.nAction(META, Uid.BasicFilmBox, a.uid))).toBe(0xb603);
    const b = await filmBox(s, sid);
    expect(status(await s.nAction(META, Uid.BasicFilmBox, b.uid))).toBe(0xc602);
    expect(status(await s.nAction(META, Uid.BasicFilmSession, sid))).toBe(0xc601);
  });
});

describe('general statuses', () => {
  it('0x0105: an attribute the SOP class does not define, named in Attribute Identifier List', async () => {
    const s = await scu();
    const fb = await filmBox(s, await session(s), 'STANDARD\\1,1', {
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'X' }] },
    });
    expect(status(fb.r)).toBe(0x0105);
    expect(fb.r.command.attributeIdentifierList).toEqual([0x00100010]);
  });

  it('0x0000: N-SET of a film box changes what may change (Magnification Type, Max Density)', async () => {
    const s = await scu();
    const fb = await filmBox(s, await session(s));
    const r = await s.nSet(META, Uid.BasicFilmBox, fb.uid, {
      '20100060': cs('REPLICATE'),
      '20100130': us(300),
    });
    expect(status(r), r.command.errorComment).toBe(0);
  });

  it('0x0105: N-SET of a film box attribute fixed at creation', async () => {
    const s = await scu();
    const fb = await filmBox(s, await session(s));
    const r = await s.nSet(META, Uid.BasicFilmBox, fb.uid, { '20100050': cs('14INX17IN') });
    expect(status(r)).toBe(0x0105);
  });

  it('0x0106: a value the printer does not support, tag in Offending Element and Error Comment', async () => {
    const s = await scu();
    const fb = await filmBox(s, await session(s), 'STANDARD\\1,1', { '20100060': cs('FANCY') });
    expect(status(fb.r)).toBe(0x0106);
    expect(fb.r.command.offendingElement).toEqual([0x20100060]);
    expect(fb.r.command.errorComment).toMatch(/^MagnificationType \(2010,0060\)/);
  });

  it('0x0106: bad pixel module (photometric, length, bits stored)', async () => {
    const s = await scu();
    const fb = await filmBox(s, await session(s), 'STANDARD\\2,2');
    const bad = (patch: DcmDataset) =>
      setImage(s, fb.boxes[0]!, imageSet(1, { ...grayImage(16, 16), ...patch }));
    expect(status(await bad({ '00280004': cs('RGB') }))).toBe(0x0106);
    expect(status(await bad({ '7FE00010': { vr: 'OW', Value: [new ArrayBuffer(10)] } }))).toBe(0x0106);
    expect(status(await bad({ '00280101': us(10), '00280102': us(9) }))).toBe(0x0106);
    expect(status(await setImage(s, fb.boxes[0]!, imageSet(2, grayImage(16, 16))))).toBe(0x0106); // wrong position
  });

  it('0x0110: a second film session; a film box before any session', async () => {
    const s = await scu();
    const r = await s.nCreate(META, Uid.BasicFilmBox, filmBoxAttrs('1.2.3'));
    expect(status(r)).toBe(0x0110);
    await session(s);
    expect(status(await s.nCreate(META, Uid.BasicFilmSession, {}))).toBe(0x0110);
  });

  it('0x0111 for a duplicate SCU-chosen UID, 0x0117 for a malformed one', async () => {
    const s = await scu();
    const uid = '1.2.826.0.1.3680043.9.9999.5';
    expect(status(await s.nCreate(META, Uid.BasicFilmSession, {}, uid))).toBe(0);
    expect(
      (await s.nCreate(Uid.PresentationLut, Uid.PresentationLut, { '20500020': cs('IDENTITY') }, uid)).command
        .status,
    ).toBe(0x0111);
    expect(
      (await s.nCreate(Uid.PresentationLut, Uid.PresentationLut, { '20500020': cs('IDENTITY') }, '1.02.3'))
        .command.status,
    ).toBe(0x0117);
  });

  it('0x0112: an instance that does not exist', async () => {
    const s = await scu();
    await session(s);
    expect(status(await s.nSet(META, Uid.BasicFilmSession, '1.2.3.4', {}))).toBe(0x0112);
    expect(status(await s.nGet(META, Uid.Printer, '1.2.3.4'))).toBe(0x0112);
  });

  it('0x0118: a SOP class not negotiated on the context used', async () => {
    const s = await scu();
    expect(status(await s.nGet(Uid.PresentationLut, Uid.Printer, Uid.PrinterInstance))).toBe(0x0118);
  });

  it('0x0119: an instance named with another SOP class', async () => {
    const s = await scu();
    const fb = await filmBox(s, await session(s));
    expect(status(await s.nSet(META, Uid.BasicFilmBox, fb.boxes[0]!, {}))).toBe(0x0119);
  });

  it('0x0120 / 0x0121: mandatory attribute missing, or present without a value', async () => {
    const s = await scu();
    const sid = await session(s);
    const missing = await s.nCreate(META, Uid.BasicFilmBox, {
      '20100500': { vr: 'SQ', Value: [ref(Uid.BasicFilmSession, sid)] },
    });
    expect(status(missing)).toBe(0x0120);
    expect(missing.command.attributeIdentifierList).toEqual([0x20100010]);
    const empty = await s.nCreate(
      META,
      Uid.BasicFilmBox,
      filmBoxAttrs(sid, 'X', { '20100010': { vr: 'ST', Value: [] } }),
    );
    expect(status(empty)).toBe(0x0121);
  });

  it('0x0211: an operation the SOP class does not have (N-GET Film Box)', async () => {
    const s = await scu();
    const fb = await filmBox(s, await session(s));
    expect(status(await s.nGet(META, Uid.BasicFilmBox, fb.uid))).toBe(0x0211);
  });

  it('0x0123: N-ACTION with an action type other than print', async () => {
    const s = await scu();
    const fb = await filmBox(s, await session(s));
    expect(status(await s.nAction(META, Uid.BasicFilmBox, fb.uid, 7))).toBe(0x0123);
  });

  it('0x0212: a request without Message ID', async () => {
    const s = await scu();
    const r = await s.request(META, {
      commandField: CommandField.N_GET_RQ,
      requestedSopClassUid: Uid.Printer,
      requestedSopInstanceUid: Uid.PrinterInstance,
      messageId: null,
    });
    expect(status(r)).toBe(0x0212);
  });

  it('Presentation LUT: shape and sequence exclusive (0x0106), neither (0x0120), referenced LUT kept (0x0110)', async () => {
    const s = await scu();
    const lut = (ds: DcmDataset) => s.nCreate(Uid.PresentationLut, Uid.PresentationLut, ds);
    expect(status(await lut({}))).toBe(0x0120);
    const seq = {
      vr: 'SQ',
      Value: [
        {
          '00283002': { vr: 'US', Value: [256, 0, 12] },
          '00283006': { vr: 'US', Value: Array(256).fill(1) },
        },
      ],
    };
    expect(status(await lut({ '20500020': cs('IDENTITY'), '20500010': seq }))).toBe(0x0106);
    const ok = await lut({ '20500010': seq });
    expect(status(ok)).toBe(0);
    const lutUid = ok.command.affectedSopInstanceUid!;
    await filmBox(s, await session(s), 'STANDARD\\1,1', {
      '20500500': { vr: 'SQ', Value: [ref(Uid.PresentationLut, lutUid)] },
    });
    expect(status(await s.nDelete(Uid.PresentationLut, Uid.PresentationLut, lutUid))).toBe(0x0110);
  });
});

describe('resource limits', () => {
  it('0x0213: a data set over --max-dataset', async () => {
    const small = await startLightbox({ maxDatasetBytes: 4096, logLevel: 'warn' });
    try {
      const s = await Scu.open(small.dicomPort, { abstractSyntaxes: [META] });
      open.push(s);
      const sid = (await s.nCreate(META, Uid.BasicFilmSession, {})).command.affectedSopInstanceUid!;
      const fb = await s.nCreate(META, Uid.BasicFilmBox, filmBoxAttrs(sid));
      const box = String((fb.dataset!['20100510']!.Value as DcmDataset[])[0]!['00081155']!.Value![0]);
      const r = await s.nSet(META, Uid.BasicGrayscaleImageBox, box, imageSet(1, grayImage(64, 64)));
      expect(status(r)).toBe(0x0213);
      s.destroy();
    } finally {
      await small.stop();
    }
  });
});

describe('print jobs and Presentation LUT level', () => {
  it('films that cannot be stored: N-ACTION 0x0213 with the reason, no job instance, nothing left; then prints again', async () => {
    const broken = await startLightbox({ logLevel: 'silent' });
    try {
      // A file where the films directory should be: every write of a film fails (ENOTDIR).
      const films = join(broken.app.printers[0]!.runtime.dataDir, 'films');
      rmSync(films, { recursive: true, force: true });
      writeFileSync(films, 'not a directory');
      const s = await Scu.open(broken.dicomPort, { abstractSyntaxes: [META, Uid.PrintJob] });
      open.push(s);
      const sid = (await s.nCreate(META, Uid.BasicFilmSession, {})).command.affectedSopInstanceUid!;
      const fb = await s.nCreate(META, Uid.BasicFilmBox, filmBoxAttrs(sid));
      const box = String((fb.dataset!['20100510']!.Value as DcmDataset[])[0]!['00081155']!.Value![0]);
      expect(
        status(await s.nSet(META, Uid.BasicGrayscaleImageBox, box, imageSet(1, grayImage(16, 16)))),
      ).toBe(0);
      const p = await s.nAction(META, Uid.BasicFilmBox, fb.command.affectedSopInstanceUid!);
      expect(status(p)).toBe(0x0213);
      expect(p.command.errorComment).toMatch(/^film not stored: ENOTDIR/);
      expect(p.dataset?.['21000500']).toBeUndefined();
      // The refused job is on record as FAILURE; no film of it exists.
      const jobs = broken.app.store.jobs.list({}, { limit: 10, order: 'asc' }).items;
      expect(jobs).toMatchObject([{ status: 'FAILURE', statusInfo: 'ELEC SW ERROR', films: [] }]);
      expect(broken.app.store.films.totals().films).toBe(0);
      // The disk is back: the image is sent again (it was lost with the disk) and the same film box prints.
      rmSync(films);
      mkdirSync(films);
      expect(
        status(await s.nSet(META, Uid.BasicGrayscaleImageBox, box, imageSet(1, grayImage(16, 16)))),
      ).toBe(0);
      const again = await s.nAction(META, Uid.BasicFilmBox, fb.command.affectedSopInstanceUid!);
      expect(status(again)).toBe(0);
      expect(readdirSync(films).filter((n) => !n.startsWith('.'))).toHaveLength(1);
      expect(readdirSync(films).filter((n) => n.startsWith('.') && n !== '.tmp-staging')).toEqual([]);
      s.destroy();
    } finally {
      await broken.stop();
    }
  });

  it('Presentation LUT at film session level only where the profile says so (DCMTK style)', async () => {
    const sessionLevel = await scu('SESSIONLUT');
    const lut = await sessionLevel.nCreate(Uid.PresentationLut, Uid.PresentationLut, {
      '20500020': cs('IDENTITY'),
    });
    const refLut = {
      '20500500': { vr: 'SQ', Value: [ref(Uid.PresentationLut, lut.command.affectedSopInstanceUid!)] },
    };
    expect(status(await sessionLevel.nCreate(META, Uid.BasicFilmSession, refLut))).toBe(0);
    const boxLevel = await scu();
    const lut2 = await boxLevel.nCreate(Uid.PresentationLut, Uid.PresentationLut, {
      '20500020': cs('IDENTITY'),
    });
    const refLut2 = {
      '20500500': { vr: 'SQ', Value: [ref(Uid.PresentationLut, lut2.command.affectedSopInstanceUid!)] },
    };
    const r = await boxLevel.nCreate(META, Uid.BasicFilmSession, refLut2);
    expect(status(r)).toBe(0x0105);
    expect(r.command.attributeIdentifierList).toEqual([0x20500500]);
  });

  it('extra attributes and group lengths inside the image item are tolerated', async () => {
    const s = await scu();
    const fb = await filmBox(s, await session(s));
    const item = {
      ...grayImage(32, 32),
      '00280000': { vr: 'UL', Value: [0] },
      '00280030': { vr: 'DS', Value: [0.1, 0.1] },
    };
    expect(status(await setImage(s, fb.boxes[0]!, imageSet(1, item)))).toBe(0);
  });
});

describe('spool', () => {
  it('removes films a stopped process left half written, keeps finished ones', async () => {
    const { mkdirSync, existsSync } = await import('node:fs');
    const data = mkdtempSync(join(tmpdir(), 'lightbox-spool-'));
    mkdirSync(join(data, 'films', '.tmp-half'), { recursive: true });
    mkdirSync(join(data, 'films', 'done'), { recursive: true });
    const again = await startLightbox({ dataDir: data, logLevel: 'silent' });
    try {
      expect(existsSync(join(data, 'films', '.tmp-half'))).toBe(false);
      expect(existsSync(join(data, 'films', 'done'))).toBe(true);
    } finally {
      await again.stop();
      rmSync(data, { recursive: true, force: true });
    }
  });
});

describe('film record', () => {
  it('keeps the densities asked for beside the clamped ones', async () => {
    const s = await scu();
    const sid = await session(s);
    const fb = await filmBox(s, sid, 'STANDARD\\1,1', { '20100120': us(5), '20100130': us(400) });
    expect(status(fb.r)).toBe(0xb605);
    await setImage(s, fb.boxes[0]!, imageSet(1, grayImage(8, 8)));
    expect(status(await s.nAction(META, Uid.BasicFilmBox, fb.uid))).toBe(0);
    const films = join(lb.app.printers[0]!.runtime.dataDir, 'films');
    let record:
      | { filmBox: { requestedDensity: unknown; attributes: Record<string, { Value: unknown[] }> } }
      | undefined;
    await expect
      .poll(() => {
        if (!existsSync(films)) return false;
        for (const d of readdirSync(films).filter((x) => !x.startsWith('.'))) {
          const r = JSON.parse(readFileSync(join(films, d, 'film.json'), 'utf8'));
          if (r.filmBox.uid === fb.uid) record = r;
        }
        return record !== undefined;
      })
      .toBe(true);
    expect(record!.filmBox.requestedDensity).toEqual({ min: 5, max: 400 });
    expect(record!.filmBox.attributes['20100120']!.Value).toEqual([20]);
    expect(record!.filmBox.attributes['20100130']!.Value).toEqual([320]);
  });
});
