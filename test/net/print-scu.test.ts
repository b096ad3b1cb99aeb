/**
 * Lightbox as the Print SCP of an independent SCU, dcmjs-dimse 0.3.3 (its own Upper Layer, DIMSE
 * and data set code; see test/support/dimse-scu.ts): what DCMTK cannot send or receive in a
 * controlled way. Color image boxes, Print Job N-GET and its N-EVENT-REPORTs, Basic Annotation
 * Box, Printer N-GET with an Attribute Identifier List, Printer Configuration Retrieval, and
 * Printer status N-EVENT-REPORTs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DimseScu, dimse, type Elements, type ScuEvent } from '../support/dimse-scu.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

const { SopClass, TransferSyntax } = dimse.constants;
const { NCreateRequest, NSetRequest, NGetRequest, NActionRequest } = dimse.requests;

const GRAY_META = SopClass.BasicGrayscalePrintManagementMeta; // 1.2.840.10008.5.1.1.9
const COLOR_META = SopClass.BasicColorPrintManagementMeta; // 1.2.840.10008.5.1.1.18
const PRINTER_INSTANCE = '1.2.840.10008.5.1.1.17';
const PRINTER_CONFIGURATION_INSTANCE = '1.2.840.10008.5.1.1.17.376';
const COLOR_IMAGE_BOX = '1.2.840.10008.5.1.1.4.1';

let lb: TestLightbox;
const open: DimseScu[] = [];

beforeAll(async () => {
  lb = await startLightbox({ logLevel: 'info' });
});
afterAll(async () => {
  for (const scu of open) scu.destroy();
  await lb?.stop();
});

/** Associate and remember the association, so a failed test cannot leak it. */
async function associate(abstractSyntaxes: string[], transferSyntax?: string): Promise<DimseScu> {
  const scu = await DimseScu.open(lb.dicomPort, { abstractSyntaxes, transferSyntax, timeoutMs: 5000 });
  open.push(scu);
  for (const as of abstractSyntaxes) expect(scu.accepted(as), `${as} accepted`).toBe(true);
  return scu;
}

// ---------------------------------------------------------------- data

/** Basic Color Image Sequence item: RGB, color-by-plane (Planar Configuration 1), 8/8/7. */
function rgbImage(columns: number, rows: number): { item: Elements; pixels: Buffer } {
  const n = columns * rows;
  const pixels = Buffer.alloc(n * 3);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      // No 0xFE/0xFF bytes: dcmjs's undefined-length item scan must not see a delimiter in them.
      pixels[y * columns + x] = (x * 4) & 0xff;
      pixels[n + y * columns + x] = (y * 5) & 0xff;
      pixels[2 * n + y * columns + x] = 128;
    }
  }
  const item: Elements = {
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 1,
    Rows: rows,
    Columns: columns,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: [pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.length)],
    _vrMap: { PixelData: 'OB' },
  };
  return { item, pixels };
}

/** Basic Grayscale Image Sequence item: MONOCHROME2, 8/8/7. */
function grayImage(columns: number, rows: number): Elements {
  const pixels = new Uint8Array(columns * rows);
  for (let i = 0; i < pixels.length; i++) pixels[i] = i % 200;
  return {
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: columns,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OB' },
  };
}

interface Ref {
  ReferencedSOPClassUID: string;
  ReferencedSOPInstanceUID: string;
}

function refs(elements: Elements | undefined, keyword: string): Ref[] {
  const v = elements?.[keyword];
  return Array.isArray(v) ? (v as Ref[]) : [];
}

/** (2100,0500) is retired; dcmjs names it RETIRED_ReferencedPrintJobSequencePullStoredPrint. */
function printJobRefs(elements: Elements | undefined): Ref[] {
  const key = Object.keys(elements ?? {}).find((k) => /ReferencedPrintJobSequence/.test(k));
  return key ? refs(elements, key) : [];
}

/** The keywords of a naturalized data set, without dcmjs's bookkeeping. */
function keywords(elements: Elements | undefined): string[] {
  return Object.keys(elements ?? {})
    .filter((k) => k !== '_vrMap')
    .sort();
}

// ---------------------------------------------------------------- session steps

async function createSession(scu: DimseScu, meta: string, label: string): Promise<string> {
  const r = await scu.send(
    new NCreateRequest(SopClass.BasicFilmSession, undefined as unknown as string, meta),
    {
      NumberOfCopies: 1,
      FilmSessionLabel: label,
    },
  );
  expect(r.status, `Film Session N-CREATE: ${r.errorComment}`).toBe(0x0000);
  const uid = r.raw.getAffectedSopInstanceUid();
  expect(uid).toMatch(/^[0-9.]+$/);
  return uid;
}

async function createFilmBox(scu: DimseScu, meta: string, session: string, format: string) {
  const r = await scu.send(new NCreateRequest(SopClass.BasicFilmBox, undefined as unknown as string, meta), {
    ImageDisplayFormat: format,
    ReferencedFilmSessionSequence: [
      { ReferencedSOPClassUID: SopClass.BasicFilmSession, ReferencedSOPInstanceUID: session },
    ],
  });
  expect(r.status, `Film Box N-CREATE: ${r.errorComment}`).toBe(0x0000);
  return { uid: r.raw.getAffectedSopInstanceUid(), elements: r.elements };
}

// ---------------------------------------------------------------- spool

interface FilmJson {
  job: { uid: string };
  filmBox: { uid: string };
  imageBoxes: {
    position: number;
    uid: string;
    sopClassUid: string;
    image?: {
      samplesPerPixel: number;
      photometricInterpretation: string;
      planarConfiguration?: number;
      rows: number;
      columns: number;
      file: string;
      bytes: number;
    };
  }[];
  annotations: { position: number; text: string }[];
}

function filmsRoot(): string {
  return join(lb.app.printers[0]!.runtime.dataDir, 'films');
}

function spooledFilm(filmBoxUid: string): { dir: string; film: FilmJson } | undefined {
  const root = filmsRoot();
  if (!existsSync(root)) return undefined;
  for (const d of readdirSync(root)) {
    if (d.startsWith('.')) continue;
    const file = join(root, d, 'film.json');
    if (!existsSync(file)) continue;
    const film = JSON.parse(readFileSync(file, 'utf8')) as FilmJson;
    if (film.filmBox.uid === filmBoxUid) return { dir: join(root, d), film };
  }
  return undefined;
}

async function waitForFilm(filmBoxUid: string): Promise<{ dir: string; film: FilmJson }> {
  await expect.poll(() => spooledFilm(filmBoxUid) !== undefined, { timeout: 5000, interval: 50 }).toBe(true);
  return spooledFilm(filmBoxUid)!;
}

// ---------------------------------------------------------------- tests

describe('Lightbox as Print SCP of dcmjs-dimse (independent SCU)', () => {
  it('1. Basic Color Print Management: RGB image box set, printed and spooled; wrong image box class refused', async (ctx) => {
    const scu = await associate([COLOR_META], TransferSyntax.ExplicitVRLittleEndian);
    const session = await createSession(scu, COLOR_META, 'COLOR');
    const fb = await createFilmBox(scu, COLOR_META, session, 'STANDARD\\1,2');

    const boxes = refs(fb.elements, 'ReferencedImageBoxSequence');
    expect(boxes).toHaveLength(2);
    for (const b of boxes) {
      expect(b.ReferencedSOPClassUID).toBe(COLOR_IMAGE_BOX);
      expect(b.ReferencedSOPClassUID).not.toBe(COLOR_META);
    }

    const { item, pixels } = rgbImage(64, 48);
    const set = await scu.send(
      new NSetRequest(SopClass.BasicColorImageBox, boxes[0]!.ReferencedSOPInstanceUID, COLOR_META),
      { ImageBoxPosition: 1, BasicColorImageSequence: [item] },
    );
    expect(set.status, `color Image Box N-SET: ${set.errorComment}`).toBe(0x0000);

    // A color image box addressed with the grayscale image box class: refused (PS3.7 10.1.3).
    const wrong = await scu.send(
      new NSetRequest(SopClass.BasicGrayscaleImageBox, boxes[1]!.ReferencedSOPInstanceUID, COLOR_META),
      { ImageBoxPosition: 2, BasicGrayscaleImageSequence: [grayImage(16, 16)] },
    );
    expect([0x0118, 0x0119], `wrong class N-SET: ${wrong.errorComment}`).toContain(wrong.status);
    ctx.annotate(
      `wrong-class Image Box N-SET answered 0x${wrong.status.toString(16).padStart(4, '0')}: ${wrong.errorComment}`,
    );

    const action = await scu.send(new NActionRequest(SopClass.BasicFilmBox, fb.uid, 1, COLOR_META));
    expect(action.status, `Film Box N-ACTION: ${action.errorComment}`).toBe(0x0000);
    expect(action.command('ActionTypeID')).toBe(1);

    const { dir, film } = await waitForFilm(fb.uid);
    expect(film.imageBoxes).toHaveLength(2);
    const printed = film.imageBoxes.find((b) => b.position === 1)!;
    expect(printed.uid).toBe(boxes[0]!.ReferencedSOPInstanceUID);
    expect(printed.sopClassUid).toBe(COLOR_IMAGE_BOX);
    expect(printed.image).toMatchObject({
      samplesPerPixel: 3,
      photometricInterpretation: 'RGB',
      planarConfiguration: 1,
      rows: 48,
      columns: 64,
      bytes: 64 * 48 * 3,
    });
    expect(readFileSync(join(dir, printed.image!.file)).equals(pixels)).toBe(true);
    expect(film.imageBoxes.find((b) => b.position === 2)!.image).toBeUndefined();

    await scu.release();
  });

  it('2. Print Job: Referenced Print Job Sequence, N-GET while queued, PENDING/PRINTING/DONE events, then 0x0112', async () => {
    const scu = await associate([GRAY_META, SopClass.PrintJob]);
    const answeredBefore = lb.logs.filter((l) => l.msg === 'N-EVENT-REPORT-RSP received').length;
    const session = await createSession(scu, GRAY_META, 'JOB');
    const fb = await createFilmBox(scu, GRAY_META, session, 'STANDARD\\1,1');
    const box = refs(fb.elements, 'ReferencedImageBoxSequence')[0]!;
    const set = await scu.send(
      new NSetRequest(SopClass.BasicGrayscaleImageBox, box.ReferencedSOPInstanceUID, GRAY_META),
      { ImageBoxPosition: 1, BasicGrayscaleImageSequence: [grayImage(64, 64)] },
    );
    expect(set.status, set.errorComment).toBe(0x0000);

    const action = await scu.send(new NActionRequest(SopClass.BasicFilmBox, fb.uid, 1, GRAY_META));
    expect(action.status, action.errorComment).toBe(0x0000);
    expect(action.command('ActionTypeID')).toBe(1);
    const jobRefs = printJobRefs(action.elements);
    expect(jobRefs, `N-ACTION-RSP data set: ${JSON.stringify(action.elements)}`).toHaveLength(1);
    expect(jobRefs[0]!.ReferencedSOPClassUID).toBe(SopClass.PrintJob);
    const job = jobRefs[0]!.ReferencedSOPInstanceUID;
    expect(job).toMatch(/^[0-9.]+$/);

    const get = await scu.send(new NGetRequest(SopClass.PrintJob, job, []));
    expect(get.status, get.errorComment).toBe(0x0000);
    expect(['PENDING', 'PRINTING']).toContain(get.elements?.ExecutionStatus);
    expect(get.elements?.PrinterName).toBe('LIGHTBOX');

    const jobEvents = (events: ScuEvent[]) =>
      events.filter((e) => e.sopClassUid === SopClass.PrintJob && e.sopInstanceUid === job);
    await scu.waitFor((ev) => jobEvents(ev).some((e) => e.eventTypeId === 3), 5000, 'Print Job DONE');
    const events = jobEvents(scu.events);
    expect(events.map((e) => e.eventTypeId)).toEqual([1, 2, 3]);
    expect(events[0]!.elements?.ExecutionStatusInfo).toBe('QUEUED');
    expect(events[0]!.elements?.FilmSessionLabel).toBe('JOB');
    for (const e of events) expect(e.elements?.PrinterName).toBe('LIGHTBOX');
    // Profile timing: pendingMs 200 before PRINTING, msPerFilm 500 x 1 film x 1 copy before DONE.
    expect(events[1]!.at - events[0]!.at).toBeGreaterThanOrEqual(180);
    expect(events[2]!.at - events[1]!.at).toBeGreaterThanOrEqual(450);
    expect(scu.events.length, 'no event but the job events').toBe(3);

    // Lightbox saw our three N-EVENT-REPORT-RSPs (Success) and none timed out.
    await expect
      .poll(() => lb.logs.filter((l) => l.msg === 'N-EVENT-REPORT-RSP received').length - answeredBefore)
      .toBe(3);
    expect(lb.logs.some((l) => l.msg === 'N-EVENT-REPORT not answered in time')).toBe(false);

    // PS3.4 H.4.6: once DONE was reported (and answered) the Print Job instance is gone. Wait for
    // the deletion itself, so the N-GET below does not race the SCP's handling of our answer.
    await expect
      .poll(() => lb.app.printers[0]!.runtime.job(job), { timeout: 1000, interval: 10 })
      .toBeUndefined();
    const gone = await scu.send(new NGetRequest(SopClass.PrintJob, job, []));
    expect(gone.status, `N-GET Print Job after DONE: ${gone.errorComment}`).toBe(0x0112);

    const { film } = await waitForFilm(fb.uid);
    expect(film.job.uid).toBe(job);
    await scu.release();
  });

  it('3. Basic Annotation Box: references in the Film Box, text set and spooled, wrong position refused', async () => {
    const scu = await associate([GRAY_META, SopClass.BasicAnnotationBox]);
    const session = await createSession(scu, GRAY_META, 'ANNOTATION');
    const fb = await createFilmBox(scu, GRAY_META, session, 'STANDARD\\1,1');
    expect(fb.elements?.AnnotationDisplayFormatID).toBe('ANNOTATION');
    const annotations = refs(fb.elements, 'ReferencedBasicAnnotationBoxSequence');
    expect(annotations).toHaveLength(2);
    for (const a of annotations) expect(a.ReferencedSOPClassUID).toBe(SopClass.BasicAnnotationBox);

    const set = await scu.send(
      new NSetRequest(SopClass.BasicAnnotationBox, annotations[0]!.ReferencedSOPInstanceUID),
      { AnnotationPosition: 1, TextString: 'HELLO' },
    );
    expect(set.status, `Annotation Box N-SET: ${set.errorComment}`).toBe(0x0000);

    // The second annotation box is position 2: claiming position 1 is an invalid value.
    const wrong = await scu.send(
      new NSetRequest(SopClass.BasicAnnotationBox, annotations[1]!.ReferencedSOPInstanceUID),
      { AnnotationPosition: 1, TextString: 'WRONG' },
    );
    expect(wrong.status, `wrong position: ${wrong.errorComment}`).toBe(0x0106);
    expect(wrong.errorComment).toMatch(/position/i);

    const box = refs(fb.elements, 'ReferencedImageBoxSequence')[0]!;
    const image = await scu.send(
      new NSetRequest(SopClass.BasicGrayscaleImageBox, box.ReferencedSOPInstanceUID, GRAY_META),
      { ImageBoxPosition: 1, BasicGrayscaleImageSequence: [grayImage(32, 32)] },
    );
    expect(image.status, image.errorComment).toBe(0x0000);
    const action = await scu.send(new NActionRequest(SopClass.BasicFilmBox, fb.uid, 1, GRAY_META));
    expect(action.status, action.errorComment).toBe(0x0000);

    const { film } = await waitForFilm(fb.uid);
    expect(film.annotations).toEqual([{ position: 1, text: 'HELLO' }]);
    await scu.release();
  });

  it('4. Printer N-GET: Attribute Identifier List, all attributes, unknown attribute 0x0107, wrong instance 0x0112', async () => {
    const scu = await associate([GRAY_META]);

    const some = await scu.send(
      new NGetRequest(SopClass.Printer, PRINTER_INSTANCE, ['PrinterStatus', 'PrinterStatusInfo'], GRAY_META),
    );
    expect(some.status, some.errorComment).toBe(0x0000);
    expect(keywords(some.elements)).toEqual(['PrinterStatus', 'PrinterStatusInfo']);
    expect(some.elements).toMatchObject({ PrinterStatus: 'NORMAL', PrinterStatusInfo: 'NORMAL' });

    const all = await scu.send(new NGetRequest(SopClass.Printer, PRINTER_INSTANCE, [], GRAY_META));
    expect(all.status, all.errorComment).toBe(0x0000);
    expect(all.elements).toMatchObject({
      PrinterStatus: 'NORMAL',
      PrinterStatusInfo: 'NORMAL',
      PrinterName: 'LIGHTBOX',
      Manufacturer: 'Lightbox',
      ManufacturerModelName: 'Virtual Film Printer',
      DeviceSerialNumber: 'LB000001',
      SoftwareVersions: '0.1.0',
      DateOfLastCalibration: '20260101',
      TimeOfLastCalibration: '080000',
    });

    // Station Name (0008,1010) is not a Printer attribute: warning, the others still returned.
    const partial = await scu.send(
      new NGetRequest(
        SopClass.Printer,
        PRINTER_INSTANCE,
        ['PrinterStatus', 'StationName', 'PrinterName'],
        GRAY_META,
      ),
    );
    expect(partial.status, partial.errorComment).toBe(0x0107);
    expect(keywords(partial.elements)).toEqual(['PrinterName', 'PrinterStatus']);
    const missing = partial.command('AttributeIdentifierList');
    expect([missing].flat()).toEqual([0x00081010]);
    expect(partial.errorComment).toMatch(/00081010/);

    const wrong = await scu.send(
      new NGetRequest(SopClass.Printer, '1.2.840.10008.5.1.1.17.1', ['PrinterStatus'], GRAY_META),
    );
    expect(wrong.status, wrong.errorComment).toBe(0x0112);

    await scu.release();

    // The Printer SOP class on its own context (status-only association, PS3.4 H.2.3).
    const alone = await associate([SopClass.Printer]);
    const viaPrinter = await alone.send(new NGetRequest(SopClass.Printer, PRINTER_INSTANCE, ['PrinterName']));
    expect(viaPrinter.status, viaPrinter.errorComment).toBe(0x0000);
    expect(viaPrinter.elements?.PrinterName).toBe('LIGHTBOX');
    await alone.release();
  });

  it('5. Printer Configuration Retrieval: one configuration item per meta SOP class', async () => {
    const scu = await associate([GRAY_META, SopClass.PrinterConfigurationRetrieval]);
    const r = await scu.send(
      new NGetRequest(SopClass.PrinterConfigurationRetrieval, PRINTER_CONFIGURATION_INSTANCE, []),
    );
    expect(r.status, r.errorComment).toBe(0x0000);
    const items = r.elements?.PrinterConfigurationSequence as Elements[] | undefined;
    expect(Array.isArray(items) && items.length > 0, 'Printer Configuration Sequence (2000,001E)').toBe(true);
    const metas = items!.map((item) => {
      const supported = [item.SOPClassesSupported].flat() as string[];
      const found = supported.filter((uid) => uid === GRAY_META || uid === COLOR_META);
      expect(found, `one meta SOP class in ${supported.join(' ')}`).toHaveLength(1);
      expect(item.PrinterName).toBe('LIGHTBOX');
      return found[0];
    });
    expect(metas).toContain(GRAY_META);
    expect(metas.sort()).toEqual([GRAY_META, COLOR_META].sort());
    // Box sizes leave room for the default annotation format's band, as a film box with annotation
    // boxes lays them out: 14x17 portrait STANDARD\1,1 is 4480 x (5440 - a 219-row band).
    const formats = items![0]!.SupportedImageDisplayFormatsSequence as Elements[];
    const one = formats.find(
      (f) =>
        // dcmjs splits an ST value at its backslash, as if it were a multi-valued string.
        [f.ImageDisplayFormat].flat().join('\\') === 'STANDARD\\1,1' &&
        f.FilmSizeID === '14INX17IN' &&
        f.FilmOrientation === 'PORTRAIT',
    );
    expect(one, 'STANDARD\\1,1 on 14INX17IN portrait').toBeDefined();
    expect([one!.Columns, one!.Rows]).toEqual([4480, 5440 - 219]);

    const wrong = await scu.send(
      new NGetRequest(SopClass.PrinterConfigurationRetrieval, PRINTER_INSTANCE, []),
    );
    expect(wrong.status, wrong.errorComment).toBe(0x0112);
    await scu.release();
  });

  describe('6. Printer status N-EVENT-REPORT', () => {
    const runtime = () => lb.app.printers[0]!.runtime;
    const printerEvents = (events: ScuEvent[]) =>
      events.filter((e) => e.sopClassUid === SopClass.Printer && e.sopInstanceUid === PRINTER_INSTANCE);

    it('WARNING then NORMAL reach an association that has used the printer, and N-GET agrees', async () => {
      const scu = await associate([GRAY_META]);
      try {
        const before = await scu.send(
          new NGetRequest(SopClass.Printer, PRINTER_INSTANCE, ['PrinterStatus'], GRAY_META),
        );
        expect(before.elements?.PrinterStatus).toBe('NORMAL');

        runtime().setStatus('WARNING', 'SUPPLY LOW');
        await scu.waitFor((ev) => printerEvents(ev).length >= 1, 3000, 'Printer WARNING event');
        const warning = printerEvents(scu.events)[0]!;
        expect(warning.eventTypeId).toBe(2);
        expect(warning.elements).toMatchObject({ PrinterStatusInfo: 'SUPPLY LOW', PrinterName: 'LIGHTBOX' });

        const now = await scu.send(
          new NGetRequest(
            SopClass.Printer,
            PRINTER_INSTANCE,
            ['PrinterStatus', 'PrinterStatusInfo'],
            GRAY_META,
          ),
        );
        expect(now.status, now.errorComment).toBe(0x0000);
        expect(now.elements).toMatchObject({ PrinterStatus: 'WARNING', PrinterStatusInfo: 'SUPPLY LOW' });

        runtime().setStatus('NORMAL', '');
        await scu.waitFor((ev) => printerEvents(ev).length >= 2, 3000, 'Printer NORMAL event');
        expect(printerEvents(scu.events).map((e) => e.eventTypeId)).toEqual([2, 1]);
        await scu.release();
      } finally {
        runtime().setStatus('NORMAL', '');
      }
    });

    it('a status change reaches an association that negotiated the meta class but sent nothing yet', async () => {
      const scu = await associate([GRAY_META]);
      try {
        runtime().setStatus('WARNING', 'SUPPLY LOW');
        await scu
          .waitFor((ev) => printerEvents(ev).length >= 1, 1500, 'Printer WARNING event')
          .catch(() => undefined);
        expect(
          printerEvents(scu.events).map((e) => e.eventTypeId),
          'Printer status N-EVENT-REPORT missing on an association that negotiated the meta class but ' +
            'sent no request yet: is the Printer status subscription (PrintContext) created lazily, on the ' +
            "association's first Film Session/Film Box request, instead of when the association is accepted?",
        ).toEqual([2]);
        await scu.release();
      } finally {
        runtime().setStatus('NORMAL', '');
      }
    });
  });
});
