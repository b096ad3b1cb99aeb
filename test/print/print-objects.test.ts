/**
 * The print objects' rules as a table, without sockets: SOP class x operation x condition ->
 * the status PS3.4 Annex H (and the printer's profile) say, answered by the same functions the
 * service routes DIMSE requests to. The TCP tests (test/net/print-statuses.test.ts) show the same
 * answers reach a real SCU; this table is where a rule is read and changed.
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandField } from '../../src/dicom/dimse/command-fields.js';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Status, type StatusName } from '../../src/dicom/dimse/status.js';
import type { AssociationInfo, DimseReply, DimseRequest } from '../../src/dicom/service/service.js';
import { Tag } from '../../src/dicom/tags.js';
import { Uid } from '../../src/dicom/uids.js';
import { setAnnotationBox } from '../../src/print/annotation-box.js';
import { actionFilmBox, createFilmBox, deleteFilmBox, setFilmBox } from '../../src/print/film-box.js';
import {
  actionFilmSession,
  createFilmSession,
  deleteFilmSession,
  setFilmSession,
} from '../../src/print/film-session.js';
import { setImageBox } from '../../src/print/image-box.js';
import { createPresentationLut, deletePresentationLut } from '../../src/print/presentation-lut.js';
import { PrintContext } from '../../src/print/print-context.js';
import { PrinterRuntime } from '../../src/print/printer-runtime.js';
import { el } from '../../src/print/values.js';
import { resolveCapabilities } from '../../src/profiles/capabilities.js';
import { DEFAULT_PROFILE } from '../../src/profiles/default-profile.js';
import type { PrinterProfile } from '../../src/profiles/profile-schema.js';
import { tempStore } from '../support/store.js';

const store = tempStore();
afterAll(() => store.close());

const ALL_CONTEXTS = [
  Uid.BasicGrayscalePrintManagementMeta,
  Uid.BasicColorPrintManagementMeta,
  Uid.BasicAnnotationBox,
  Uid.PresentationLut,
  Uid.PrintJob,
];

/** One association's context on a printer with the default profile (and changes to it). */
function association(profile: Partial<PrinterProfile> = {}): Session {
  const runtime = new PrinterRuntime(
    resolveCapabilities({ ...DEFAULT_PROFILE, ...profile }),
    store,
    pino({ level: 'silent' }),
  );
  runtime.lab = {
    timing: () => ({ pendingMs: 10, msPerFilm: 10 }),
    failure: () => undefined,
    reported: () => undefined,
  };
  const info: AssociationInfo = {
    id: `t${Math.random().toString(36).slice(2, 8)}`,
    callingAeTitle: 'TABLE',
    calledAeTitle: 'LIGHTBOX',
    peerAddress: '127.0.0.1',
    contexts: ALL_CONTEXTS.map((abstractSyntax, i) => ({
      id: 2 * i + 1,
      abstractSyntax,
      transferSyntax: Uid.ImplicitVrLittleEndian,
    })),
    notify: async () => 0,
    onEnd: () => undefined,
  };
  return new Session(new PrintContext(runtime, info));
}

type Handler = (ctx: PrintContext, req: DimseRequest) => DimseReply | Promise<DimseReply>;

/** Requests as the dispatcher would hand them over, and the instances created so far. */
class Session {
  session = '';
  filmBox = '';
  imageBoxes: string[] = [];
  annotationBoxes: string[] = [];
  constructor(readonly ctx: PrintContext) {}

  async send(
    handler: Handler,
    sopClassUid: string,
    commandField: number,
    opts: { instance?: string; dataset?: DcmDataset; affected?: string; actionTypeId?: number } = {},
  ): Promise<DimseReply> {
    const context = this.ctx.association.contexts[0]!;
    const req: DimseRequest = {
      association: this.ctx.association,
      context,
      sopClassUid,
      command: {
        commandField,
        commandDataSetType: opts.dataset ? 0 : 0x0101,
        ...(opts.affected ? { affectedSopInstanceUid: opts.affected } : {}),
        ...(opts.actionTypeId !== undefined ? { actionTypeId: opts.actionTypeId } : {}),
      },
    };
    if (opts.instance !== undefined) req.sopInstanceUid = opts.instance;
    if (opts.dataset) req.dataset = opts.dataset;
    return handler(this.ctx, req);
  }

  async createSession(ds: DcmDataset = {}, affected?: string): Promise<DimseReply> {
    const r = await this.send(createFilmSession, Uid.BasicFilmSession, CommandField.N_CREATE_RQ, {
      dataset: ds,
      ...(affected ? { affected } : {}),
    });
    if (r.affectedSopInstanceUid) this.session = r.affectedSopInstanceUid;
    return r;
  }

  async createFilmBox(ds: DcmDataset = {}): Promise<DimseReply> {
    const r = await this.send(createFilmBox, Uid.BasicFilmBox, CommandField.N_CREATE_RQ, {
      dataset: {
        [Tag.ImageDisplayFormat]: el.st('STANDARD\\1,2'),
        [Tag.ReferencedFilmSessionSequence]: el.sq([el.ref(Uid.BasicFilmSession, this.session)]),
        ...ds,
      },
    });
    if (r.affectedSopInstanceUid) {
      this.filmBox = r.affectedSopInstanceUid;
      const refs = (seq: string) =>
        ((r.dataset?.[seq]?.Value ?? []) as DcmDataset[]).map(
          (item) => item[Tag.ReferencedSOPInstanceUID]?.Value?.[0] as string,
        );
      this.imageBoxes = refs(Tag.ReferencedImageBoxSequence);
      this.annotationBoxes = refs(Tag.ReferencedBasicAnnotationBoxSequence);
    }
    return r;
  }

  setImage(
    position: number,
    image: DcmDataset | null,
    extra: DcmDataset = {},
    box = position,
  ): Promise<DimseReply> {
    return this.send(setImageBox, Uid.BasicGrayscaleImageBox, CommandField.N_SET_RQ, {
      instance: this.imageBoxes[box - 1]!,
      dataset: {
        [Tag.ImageBoxPosition]: el.us(position),
        [Tag.BasicGrayscaleImageSequence]: el.sq(image ? [image] : []),
        ...extra,
      },
    });
  }

  setAnnotation(position: number, text: string): Promise<DimseReply> {
    return this.send(setAnnotationBox, Uid.BasicAnnotationBox, CommandField.N_SET_RQ, {
      instance: this.annotationBoxes[0]!,
      dataset: { [Tag.AnnotationPosition]: el.us(position), [Tag.TextString]: el.st(text) },
    });
  }

  printFilmBox(actionTypeId = 1): Promise<DimseReply> {
    return this.send(actionFilmBox, Uid.BasicFilmBox, CommandField.N_ACTION_RQ, {
      instance: this.filmBox,
      actionTypeId,
    });
  }

  printSession(actionTypeId = 1): Promise<DimseReply> {
    return this.send(actionFilmSession, Uid.BasicFilmSession, CommandField.N_ACTION_RQ, {
      instance: this.session,
      actionTypeId,
    });
  }

  createLut(ds: DcmDataset): Promise<DimseReply> {
    return this.send(createPresentationLut, Uid.PresentationLut, CommandField.N_CREATE_RQ, { dataset: ds });
  }
}

/** An 8-bit MONOCHROME2 image item. */
function image(rows = 64, columns = 64, overrides: DcmDataset = {}): DcmDataset {
  return {
    [Tag.SamplesPerPixel]: el.us(1),
    [Tag.PhotometricInterpretation]: el.cs('MONOCHROME2'),
    [Tag.Rows]: el.us(rows),
    [Tag.Columns]: el.us(columns),
    [Tag.BitsAllocated]: el.us(8),
    [Tag.BitsStored]: el.us(8),
    [Tag.HighBit]: el.us(7),
    [Tag.PixelRepresentation]: el.us(0),
    [Tag.PixelData]: { vr: 'OB', Value: [new Uint8Array(rows * columns).fill(128).buffer] },
    ...overrides,
  };
}

function without(ds: DcmDataset, tag: string): DcmDataset {
  const { [tag]: _, ...rest } = ds;
  return rest;
}

/** A session with a film box (STANDARD\1,2, annotations), ready for boxes and printing. */
async function withFilmBox(
  profile: Partial<PrinterProfile> = {},
  filmBox: DcmDataset = {},
): Promise<Session> {
  const s = association(profile);
  expect((await s.createSession()).status).toBe('Success');
  expect((await s.createFilmBox(filmBox)).status).toBe('Success');
  return s;
}

const FS = Uid.BasicFilmSession;
const N = CommandField;

type Row = [
  sop: string,
  operation: string,
  condition: string,
  run: () => Promise<DimseReply>,
  status: StatusName,
];

const ROWS: Row[] = [
  // ---- Basic Film Session
  [
    'Film Session',
    'N-CREATE',
    'valid',
    () => association().createSession({ [Tag.NumberOfCopies]: el.is(2) }),
    'Success',
  ],
  [
    'Film Session',
    'N-CREATE',
    'a second session on the association',
    async () => {
      const s = association();
      await s.createSession();
      return s.createSession();
    },
    'ProcessingFailure',
  ],
  [
    'Film Session',
    'N-CREATE',
    'Number of Copies 0',
    () => association().createSession({ [Tag.NumberOfCopies]: el.is(0) }),
    'InvalidAttributeValue',
  ],
  [
    'Film Session',
    'N-CREATE',
    'Medium Type not offered',
    () => association().createSession({ [Tag.MediumType]: el.cs('GOLD FOIL') }),
    'InvalidAttributeValue',
  ],
  [
    'Film Session',
    'N-CREATE',
    'Memory Allocation sent',
    () => association().createSession({ [Tag.MemoryAllocation]: el.is(1000) }),
    'MemoryAllocationNotSupported',
  ],
  [
    'Film Session',
    'N-CREATE',
    'an attribute the class does not define',
    () => association().createSession({ '00100010': { vr: 'PN', Value: [{ Alphabetic: 'X' }] } }),
    'NoSuchAttribute',
  ],
  [
    'Film Session',
    'N-CREATE',
    'an invalid SOP Instance UID',
    () => association().createSession({}, '1.02.3'),
    'InvalidSopInstance',
  ],
  [
    'Film Session',
    'N-CREATE',
    'a SOP Instance UID already in use',
    async () => {
      const s = association();
      await s.createLut({ [Tag.PresentationLUTShape]: el.cs('IDENTITY') }).then((r) => r);
      const lut = await s.createLut({ [Tag.PresentationLUTShape]: el.cs('IDENTITY') });
      return s.createSession({}, lut.affectedSopInstanceUid);
    },
    'DuplicateSopInstance',
  ],
  [
    'Film Session',
    'N-CREATE',
    'an attribute the class does not define, printer ignores it',
    () =>
      association({ quirks: { ...DEFAULT_PROFILE.quirks, unknownAttributes: 'ignore' } }).createSession({
        '00100010': { vr: 'PN', Value: [{ Alphabetic: 'X' }] },
      }),
    'RequestedOptionalAttributesNotSupported',
  ],
  [
    'Film Session',
    'N-CREATE',
    'Medium Type not offered, printer uses its default',
    () =>
      association({ quirks: { ...DEFAULT_PROFILE.quirks, unsupportedValues: 'default' } }).createSession({
        [Tag.MediumType]: el.cs('GOLD FOIL'),
      }),
    'AttributeValueOutOfRange',
  ],
  [
    'Film Session',
    'N-SET',
    'no such instance',
    () => association().send(setFilmSession, FS, N.N_SET_RQ, { instance: '1.2.3', dataset: {} }),
    'NoSuchSopInstance',
  ],
  [
    'Film Session',
    'N-SET',
    'the instance is a film box',
    async () => {
      const s = await withFilmBox();
      return s.send(setFilmSession, FS, N.N_SET_RQ, { instance: s.filmBox, dataset: {} });
    },
    'ClassInstanceConflict',
  ],
  [
    'Film Session',
    'N-SET',
    'Print Priority changed',
    async () => {
      const s = association();
      await s.createSession();
      return s.send(setFilmSession, FS, N.N_SET_RQ, {
        instance: s.session,
        dataset: { [Tag.PrintPriority]: el.cs('HIGH') },
      });
    },
    'Success',
  ],
  [
    'Film Session',
    'N-ACTION',
    'no film box',
    async () => {
      const s = association();
      await s.createSession();
      return s.printSession();
    },
    'NoFilmBox',
  ],
  [
    'Film Session',
    'N-ACTION',
    'Action Type ID 2',
    async () => (await withFilmBox()).printSession(2),
    'NoSuchActionType',
  ],
  [
    'Film Session',
    'N-ACTION',
    'no image box holds an image',
    async () => (await withFilmBox()).printSession(),
    'FilmSessionEmptyPage',
  ],
  [
    'Film Session',
    'N-ACTION',
    'an image, the printer collates',
    async () => {
      const s = await withFilmBox();
      await s.setImage(1, image());
      return s.printSession();
    },
    'Success',
  ],
  [
    'Film Session',
    'N-ACTION',
    'the printer does not collate',
    async () => {
      const s = await withFilmBox({ maxCollatedFilms: 0 });
      await s.setImage(1, image());
      return s.printSession();
    },
    'FilmSessionPrintingNotSupported',
  ],
  [
    'Film Session',
    'N-ACTION',
    'printer FAILURE, profile refuses',
    async () => {
      const s = await withFilmBox();
      await s.setImage(1, image());
      s.ctx.printer.setStatus('FAILURE', 'FILM JAM');
      return s.printSession();
    },
    'FilmSessionPrintQueueFull',
  ],
  [
    'Film Session',
    'N-DELETE',
    'existing',
    async () => {
      const s = await withFilmBox();
      return s.send(deleteFilmSession, FS, N.N_DELETE_RQ, { instance: s.session });
    },
    'Success',
  ],
  // ---- Basic Film Box
  ['Film Box', 'N-CREATE', 'no film session', () => association().createFilmBox(), 'ProcessingFailure'],
  [
    'Film Box',
    'N-CREATE',
    'Image Display Format missing',
    async () => {
      const s = association();
      await s.createSession();
      return s.createFilmBox({ [Tag.ImageDisplayFormat]: { vr: 'ST' } });
    },
    'MissingAttributeValue',
  ],
  [
    'Film Box',
    'N-CREATE',
    'a display format the printer lacks',
    async () => {
      const s = association();
      await s.createSession();
      return s.createFilmBox({ [Tag.ImageDisplayFormat]: el.st('HONEYCOMB\\7') });
    },
    'InvalidAttributeValue',
  ],
  [
    'Film Box',
    'N-CREATE',
    "another association's film session",
    async () => {
      const s = association();
      await s.createSession();
      return s.createFilmBox({
        [Tag.ReferencedFilmSessionSequence]: el.sq([el.ref(Uid.BasicFilmSession, '1.2.3.4')]),
      });
    },
    'InvalidAttributeValue',
  ],
  [
    'Film Box',
    'N-CREATE',
    "Max Density above the printer's",
    () => withFilmBox().then((s) => s.createFilmBox({ [Tag.MaxDensity]: el.us(400) })),
    'MinMaxDensityOutOfRange',
  ],
  [
    'Film Box',
    'N-CREATE',
    'Min Density not below Max Density',
    () =>
      withFilmBox().then((s) =>
        s.createFilmBox({ [Tag.MinDensity]: el.us(200), [Tag.MaxDensity]: el.us(100) }),
      ),
    'InvalidAttributeValue',
  ],
  // Min/Max Density are US: any value is valid, outside the printer's 20..320 it is clamped (0xB605).
  [
    'Film Box',
    'N-CREATE',
    'Max Density 1000 (US, above the printer range)',
    () => withFilmBox().then((s) => s.createFilmBox({ [Tag.MaxDensity]: el.us(1000) })),
    'MinMaxDensityOutOfRange',
  ],
  [
    'Film Box',
    'N-CREATE',
    'Max Density 65535, the largest US',
    () => withFilmBox().then((s) => s.createFilmBox({ [Tag.MaxDensity]: el.us(65535) })),
    'MinMaxDensityOutOfRange',
  ],
  [
    'Film Box',
    'N-CREATE',
    "Min Density 0, below the printer's",
    () => withFilmBox().then((s) => s.createFilmBox({ [Tag.MinDensity]: el.us(0) })),
    'MinMaxDensityOutOfRange',
  ],
  [
    'Film Box',
    'N-CREATE',
    'Min Density 5000 with Max Density 65535: both clamped, no range left',
    () =>
      withFilmBox().then((s) =>
        s.createFilmBox({ [Tag.MinDensity]: el.us(5000), [Tag.MaxDensity]: el.us(65535) }),
      ),
    'InvalidAttributeValue',
  ],
  [
    'Film Box',
    'N-CREATE',
    'Min and Max Density inside the printer range',
    () =>
      withFilmBox().then((s) =>
        s.createFilmBox({ [Tag.MinDensity]: el.us(20), [Tag.MaxDensity]: el.us(320) }),
      ),
    'Success',
  ],
  [
    'Film Box',
    'N-SET',
    'Max Density 2000',
    async () => {
      const s = await withFilmBox();
      return s.send(setFilmBox, Uid.BasicFilmBox, N.N_SET_RQ, {
        instance: s.filmBox,
        dataset: { [Tag.MaxDensity]: el.us(2000) },
      });
    },
    'MinMaxDensityOutOfRange',
  ],
  [
    'Film Box',
    'N-SET',
    'Min Density 0',
    async () => {
      const s = await withFilmBox();
      return s.send(setFilmBox, Uid.BasicFilmBox, N.N_SET_RQ, {
        instance: s.filmBox,
        dataset: { [Tag.MinDensity]: el.us(0) },
      });
    },
    'MinMaxDensityOutOfRange',
  ],
  [
    'Film Box',
    'N-CREATE',
    'Border Density 999, outside the printer range (U/U: unsupported value)',
    () => withFilmBox().then((s) => s.createFilmBox({ [Tag.BorderDensity]: el.cs('999') })),
    'InvalidAttributeValue',
  ],
  [
    'Film Box',
    'N-CREATE',
    'Border Density 999, printer uses its default instead (U/U)',
    () =>
      withFilmBox({ quirks: { ...DEFAULT_PROFILE.quirks, unsupportedValues: 'default' } }).then((s) =>
        s.createFilmBox({ [Tag.BorderDensity]: el.cs('999') }),
      ),
    'AttributeValueOutOfRange',
  ],
  [
    'Film Box',
    'N-CREATE',
    'an unprinted film box, printer without collation',
    async () => {
      const s = await withFilmBox({ maxCollatedFilms: 0 });
      return s.createFilmBox();
    },
    'UnprintedFilmBoxExists',
  ],
  [
    'Film Box',
    'N-SET',
    'Image Display Format (fixed at N-CREATE)',
    async () => {
      const s = await withFilmBox();
      return s.send(setFilmBox, Uid.BasicFilmBox, N.N_SET_RQ, {
        instance: s.filmBox,
        dataset: { [Tag.ImageDisplayFormat]: el.st('STANDARD\\2,2') },
      });
    },
    'NoSuchAttribute',
  ],
  [
    'Film Box',
    'N-SET',
    'Border Density WHITE',
    async () => {
      const s = await withFilmBox();
      return s.send(setFilmBox, Uid.BasicFilmBox, N.N_SET_RQ, {
        instance: s.filmBox,
        dataset: { [Tag.BorderDensity]: el.cs('WHITE') },
      });
    },
    'Success',
  ],
  [
    'Film Box',
    'N-SET',
    'not the most recent film box',
    async () => {
      const s = await withFilmBox();
      const first = s.filmBox;
      await s.createFilmBox();
      return s.send(setFilmBox, Uid.BasicFilmBox, N.N_SET_RQ, { instance: first, dataset: {} });
    },
    'ProcessingFailure',
  ],
  [
    'Film Box',
    'N-ACTION',
    'no image box holds an image',
    async () => (await withFilmBox()).printFilmBox(),
    'FilmBoxEmptyPage',
  ],
  [
    'Film Box',
    'N-ACTION',
    'Action Type ID 7',
    async () => (await withFilmBox()).printFilmBox(7),
    'NoSuchActionType',
  ],
  [
    'Film Box',
    'N-ACTION',
    'an image',
    async () => {
      const s = await withFilmBox();
      await s.setImage(2, image(), {}, 2);
      return s.printFilmBox();
    },
    'Success',
  ],
  [
    'Film Box',
    'N-ACTION',
    'printer FAILURE, profile answers processing failure',
    async () => {
      const s = await withFilmBox({ whenFailed: 'processing-failure' });
      s.ctx.printer.setStatus('FAILURE', 'FILM JAM');
      return s.printFilmBox();
    },
    'ProcessingFailure',
  ],
  [
    'Film Box',
    'N-ACTION',
    'printer FAILURE, profile refuses',
    async () => {
      const s = await withFilmBox();
      s.ctx.printer.setStatus('FAILURE', 'FILM JAM');
      return s.printFilmBox();
    },
    'FilmBoxPrintQueueFull',
  ],
  [
    'Film Box',
    'N-DELETE',
    'existing',
    async () => {
      const s = await withFilmBox();
      return s.send(deleteFilmBox, Uid.BasicFilmBox, N.N_DELETE_RQ, { instance: s.filmBox });
    },
    'Success',
  ],
  // ---- Basic Grayscale Image Box
  [
    'Image Box',
    'N-SET',
    'an image that fits',
    async () => (await withFilmBox()).setImage(1, image()),
    'Success',
  ],
  [
    'Image Box',
    'N-SET',
    'an empty sequence (erase)',
    async () => (await withFilmBox()).setImage(1, null),
    'Success',
  ],
  [
    'Image Box',
    'N-SET',
    'Image Box Position of another box',
    async () => (await withFilmBox()).setImage(2, image(), {}, 1),
    'InvalidAttributeValue',
  ],
  [
    'Image Box',
    'N-SET',
    'Rows missing from the image',
    async () => (await withFilmBox()).setImage(1, without(image(), Tag.Rows)),
    'MissingAttribute',
  ],
  [
    'Image Box',
    'N-SET',
    'Bits Stored 9 in 8 bits',
    async () => (await withFilmBox()).setImage(1, image(64, 64, { [Tag.BitsStored]: el.us(9) })),
    'InvalidAttributeValue',
  ],
  [
    'Image Box',
    'N-SET',
    'Photometric Interpretation RGB on grayscale',
    async () =>
      (await withFilmBox()).setImage(1, image(64, 64, { [Tag.PhotometricInterpretation]: el.cs('RGB') })),
    'InvalidAttributeValue',
  ],
  [
    'Image Box',
    'N-SET',
    'Polarity SIDEWAYS',
    async () => (await withFilmBox()).setImage(1, image(), { [Tag.Polarity]: el.cs('SIDEWAYS') }),
    'InvalidAttributeValue',
  ],
  [
    'Image Box',
    'N-SET',
    'larger than its box, printer decimates',
    async () =>
      (await withFilmBox({}, { [Tag.ImageDisplayFormat]: el.st('STANDARD\\8,8') })).setImage(
        1,
        image(2048, 2048),
      ),
    'ImageDecimated',
  ],
  [
    'Image Box',
    'N-SET',
    'larger than its box, SCU asks to crop',
    async () =>
      (await withFilmBox({}, { [Tag.ImageDisplayFormat]: el.st('STANDARD\\8,8') })).setImage(
        1,
        image(2048, 2048),
        { [Tag.RequestedDecimateCropBehavior]: el.cs('CROP') },
      ),
    'ImageCropped',
  ],
  [
    'Image Box',
    'N-SET',
    'larger than its box, SCU says FAIL',
    async () =>
      (await withFilmBox({}, { [Tag.ImageDisplayFormat]: el.st('STANDARD\\8,8') })).setImage(
        1,
        image(2048, 2048),
        { [Tag.RequestedDecimateCropBehavior]: el.cs('FAIL') },
      ),
    'ImageLargerThanBox',
  ],
  [
    'Image Box',
    'N-SET',
    "Max Density above the printer's",
    async () => (await withFilmBox()).setImage(1, image(), { [Tag.MaxDensity]: el.us(900) }),
    'MinMaxDensityOutOfRange',
  ],
  [
    'Image Box',
    'N-SET',
    'Max Density 65535 (US, above the printer range)',
    async () => (await withFilmBox()).setImage(1, image(), { [Tag.MaxDensity]: el.us(65535) }),
    'MinMaxDensityOutOfRange',
  ],
  [
    'Image Box',
    'N-SET',
    "Min Density 0, below the printer's",
    async () => (await withFilmBox()).setImage(1, image(), { [Tag.MinDensity]: el.us(0) }),
    'MinMaxDensityOutOfRange',
  ],
  [
    'Image Box',
    'N-SET',
    'Min Density 4000: clamped to 320, not below Max Density 320',
    async () => (await withFilmBox()).setImage(1, image(), { [Tag.MinDensity]: el.us(4000) }),
    'InvalidAttributeValue',
  ],
  [
    'Image Box',
    'N-SET',
    'Requested Image Size 5000 mm, larger than the box: decimated as too large',
    async () =>
      (await withFilmBox()).setImage(1, image(), { [Tag.RequestedImageSize]: { vr: 'DS', Value: ['5000'] } }),
    'ImageDecimated',
  ],
  [
    'Image Box',
    'N-SET',
    'Requested Image Size 0 mm',
    async () =>
      (await withFilmBox()).setImage(1, image(), { [Tag.RequestedImageSize]: { vr: 'DS', Value: ['0'] } }),
    'InvalidAttributeValue',
  ],
  [
    'Image Box',
    'N-SET',
    'Image Box Position 65535, past the last box of any film',
    async () => (await withFilmBox()).setImage(65535, image(), {}, 1),
    'InvalidAttributeValue',
  ],
  [
    'Image Box',
    'N-SET',
    'more than the printer memory',
    async () => (await withFilmBox({ memoryBytes: 1000 })).setImage(1, image()),
    'InsufficientMemory',
  ],
  [
    'Image Box',
    'N-SET',
    'the box of a printed film box',
    async () => {
      const s = await withFilmBox();
      await s.setImage(1, image());
      await s.printFilmBox();
      return s.setImage(1, image());
    },
    'ProcessingFailure',
  ],
  [
    'Image Box',
    'N-SET',
    'as a color image box',
    async () => {
      const s = await withFilmBox();
      return s.send(setImageBox, Uid.BasicColorImageBox, N.N_SET_RQ, {
        instance: s.imageBoxes[0]!,
        dataset: {},
      });
    },
    'ClassInstanceConflict',
  ],
  [
    'Image Box',
    'N-SET',
    'larger than its box, printer demagnifies (legacy)',
    async () =>
      (
        await withFilmBox(
          { decimateCrop: { default: 'DEMAGNIFY', honoursRequest: false } },
          { [Tag.ImageDisplayFormat]: el.st('STANDARD\\8,8') },
        )
      ).setImage(1, image(2048, 2048)),
    'ImageDemagnified',
  ],
  [
    'Image Box',
    'N-SET',
    'larger than its box, SCU says FAIL, printer answers C613',
    async () =>
      (
        await withFilmBox(
          { quirks: { ...DEFAULT_PROFILE.quirks, oversizeStatus: 'C613' } },
          { [Tag.ImageDisplayFormat]: el.st('STANDARD\\8,8') },
        )
      ).setImage(1, image(2048, 2048), { [Tag.RequestedDecimateCropBehavior]: el.cs('FAIL') }),
    'CombinedImageLargerThanBox',
  ],
  // ---- Basic Annotation Box
  [
    'Annotation Box',
    'N-SET',
    'its own position',
    async () => (await withFilmBox()).setAnnotation(1, 'hello'),
    'Success',
  ],
  [
    'Annotation Box',
    'N-SET',
    'another position',
    async () => (await withFilmBox()).setAnnotation(2, 'hello'),
    'InvalidAttributeValue',
  ],
  // ---- Presentation LUT
  [
    'Presentation LUT',
    'N-CREATE',
    'Shape IDENTITY',
    () => association().createLut({ [Tag.PresentationLUTShape]: el.cs('IDENTITY') }),
    'Success',
  ],
  [
    'Presentation LUT',
    'N-CREATE',
    'Shape INVERSE',
    () => association().createLut({ [Tag.PresentationLUTShape]: el.cs('INVERSE') }),
    'InvalidAttributeValue',
  ],
  [
    'Presentation LUT',
    'N-CREATE',
    'neither Shape nor Sequence',
    () => association().createLut({}),
    'MissingAttribute',
  ],
  [
    'Presentation LUT',
    'N-CREATE',
    'a 256-entry LUT of 12 bits',
    () =>
      association().createLut({
        [Tag.PresentationLUTSequence]: el.sq([
          {
            [Tag.LUTDescriptor]: { vr: 'US', Value: [256, 0, 12] },
            [Tag.LUTData]: { vr: 'US', Value: Array.from({ length: 256 }, (_, i) => i * 16) },
          },
        ]),
      }),
    'Success',
  ],
  [
    'Presentation LUT',
    'N-CREATE',
    'LUT Data shorter than its descriptor',
    () =>
      association().createLut({
        [Tag.PresentationLUTSequence]: el.sq([
          {
            [Tag.LUTDescriptor]: { vr: 'US', Value: [256, 0, 12] },
            [Tag.LUTData]: { vr: 'US', Value: [0, 1] },
          },
        ]),
      }),
    'InvalidAttributeValue',
  ],
  [
    'Presentation LUT',
    'N-DELETE',
    'referenced by the film box',
    async () => {
      const s = association();
      const lut = (await s.createLut({ [Tag.PresentationLUTShape]: el.cs('LIN OD') }))
        .affectedSopInstanceUid!;
      await s.createSession();
      await s.createFilmBox({
        [Tag.ReferencedPresentationLUTSequence]: el.sq([el.ref(Uid.PresentationLut, lut)]),
      });
      return s.send(deletePresentationLut, Uid.PresentationLut, N.N_DELETE_RQ, { instance: lut });
    },
    'ProcessingFailure',
  ],
  [
    'Presentation LUT',
    'N-DELETE',
    'referenced by nothing',
    async () => {
      const s = association();
      const lut = (await s.createLut({ [Tag.PresentationLUTShape]: el.cs('LIN OD') }))
        .affectedSopInstanceUid!;
      return s.send(deletePresentationLut, Uid.PresentationLut, N.N_DELETE_RQ, { instance: lut });
    },
    'Success',
  ],
];

/**
 * Statuses the print objects answer that this table leaves to other tests: a store that cannot
 * keep a film needs a failing disk (test/store/disk-full.test.ts, test/store/staging.test.ts).
 */
const ELSEWHERE: ReadonlySet<StatusName> = new Set(['ResourceLimitation']);

/** Every status name the print objects' modules (and the tables they validate with) can answer. */
function answerable(): StatusName[] {
  const files = [
    'film-session',
    'film-box',
    'image-box',
    'annotation-box',
    'presentation-lut',
    'print-job',
    'print-context',
    'pixel-module',
    'attributes',
  ];
  const names = files.flatMap((f) =>
    [...readFileSync(`src/print/${f}.ts`, 'utf8').matchAll(/'([A-Z][A-Za-z]+)'/g)].map((m) => m[1] as string),
  );
  return [...new Set(names)].filter((n): n is StatusName => Object.hasOwn(Status, n)).sort();
}

describe('print objects: SOP class x operation x condition -> status', () => {
  it('the table has a row for every status the print objects can answer', () => {
    const covered = new Set(ROWS.map((r) => r[4]));
    const missing = answerable().filter((n) => !covered.has(n) && !ELSEWHERE.has(n));
    expect(missing).toEqual([]);
    expect(answerable().length).toBeGreaterThan(25);
  });

  it.each(ROWS)('%s %s, %s', async (_sop, _op, _condition, run, status) => {
    const reply = await run();
    expect(
      { status: reply.status, code: `0x${Status[reply.status].code.toString(16).padStart(4, '0')}` },
      reply.errorComment,
    ).toEqual({ status, code: `0x${Status[status].code.toString(16).padStart(4, '0')}` });
    // Anything but plain success says why.
    if (status !== 'Success') expect(reply.errorComment ?? '').not.toBe('');
  });
});
