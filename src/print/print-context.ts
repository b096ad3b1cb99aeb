/**
 * One association's Print Management state and the rules of PS3.4 Annex H applied to it: the film
 * session, its film boxes with their image and annotation boxes, Presentation LUTs, and printing.
 * Every method answers one DIMSE request with a DimseReply; every status it chooses says why.
 */

import { partsOf } from '../dicom/chunked-bytes.js';
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import { newUid } from '../dicom/dimse/dataset.js';
import { Status, type StatusName } from '../dicom/dimse/status.js';
import type { AssociationInfo, DimseReply, DimseRequest } from '../dicom/service/service.js';
import { Tag } from '../dicom/tags.js';
import { Uid } from '../dicom/uids.js';
import {
  acceptedLayout,
  type Capabilities,
  defaultResolution,
  filmMatrix,
} from '../profiles/capabilities.js';
import { boxRects } from '../profiles/display-format.js';
import { PRINTER_EVENT } from '../profiles/printer-status.js';
import {
  ANNOTATION_BOX_RULES,
  type AttributeRule,
  COLOR_IMAGE_BOX_RULES,
  FILM_BOX_RULES,
  FILM_SESSION_RULES,
  GRAYSCALE_IMAGE_BOX_RULES,
  PRESENTATION_LUT_RULES,
  type Verdict,
  validate,
} from './attributes.js';
import type {
  AnnotationBox,
  FilmBox,
  FilmSession,
  FitDecision,
  ImageBox,
  PresentationLut,
  PrintJob,
} from './model.js';
import { isProblem, readImage } from './pixel-module.js';
import { JOB_EVENT, type PrinterRuntime, SpoolError } from './printer-runtime.js';
import { spoolFilm } from './spool.js';
import { el, items, num, str, tagNumber } from './values.js';

type Kind = 'film-session' | 'film-box' | 'image-box' | 'annotation-box' | 'presentation-lut';

/** PS3.5 9.1: UID syntax, at most 64 characters. */
const UID_SYNTAX = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

/** PS3.4 H.2.2.1.1 recommended viewing conditions when the SCU gives none. */
const DEFAULT_ILLUMINATION = { film: 2000, paper: 150 };
const DEFAULT_REFLECTED_AMBIENT = 10;

function ok(extra: Partial<DimseReply> = {}): DimseReply {
  return { status: 'Success', ...extra };
}

function fail(status: StatusName, errorComment: string, extra: Partial<DimseReply> = {}): DimseReply {
  return { status, errorComment, ...extra };
}

function fromVerdict(v: Verdict): DimseReply {
  const r: DimseReply = { status: v.status, errorComment: v.errorComment };
  if (v.attributeIdentifierList) r.attributeIdentifierList = v.attributeIdentifierList;
  if (v.offendingElement) r.offendingElement = v.offendingElement;
  return r;
}

/** The most specific warning wins; the others are named in Error Comment (spec digest 6.4). */
function warningReply(
  warnings: { status: StatusName; why: string }[],
  extra: Partial<DimseReply> = {},
): DimseReply {
  if (warnings.length === 0) return ok(extra);
  const [first, ...rest] = warnings;
  const comment = [first!.why, ...rest.map((w) => w.why)].join('; ');
  return { status: first!.status, errorComment: comment, ...extra };
}

/**
 * The attributes of ds a table knows. Keys are upper-case hex and ST/LT/UT values whole, as the
 * data set reader produces them.
 */
function copyOf(ds: DcmDataset, rules: readonly AttributeRule[]): DcmDataset {
  const known = new Set(rules.map((r) => r.tag));
  const out: DcmDataset = {};
  for (const [t, v] of Object.entries(ds)) if (known.has(t)) out[t] = v;
  return out;
}

export class PrintContext {
  readonly #instances = new Map<string, { kind: Kind; sopClassUid: string }>();
  #session: FilmSession | undefined;
  readonly #luts = new Map<string, PresentationLut>();
  readonly #unsubscribe: () => void;

  constructor(
    readonly printer: PrinterRuntime,
    readonly association: AssociationInfo,
  ) {
    const caps = printer.caps;
    const statusContexts = [
      Uid.BasicGrayscalePrintManagementMeta,
      Uid.BasicColorPrintManagementMeta,
      Uid.Printer,
    ];
    // PS3.4 H.4.7: every association using the printer hears about its status changes.
    this.#unsubscribe = printer.onStatus((status, info) => {
      const ds: DcmDataset = { [Tag.PrinterName]: el.lo(caps.identity.printerName) };
      if (status !== 'NORMAL') ds[Tag.PrinterStatusInfo] = el.cs(info);
      void association.notify({
        abstractSyntaxes: statusContexts,
        sopClassUid: Uid.Printer,
        sopInstanceUid: Uid.PrinterInstance,
        eventTypeId: PRINTER_EVENT[status],
        dataset: ds,
      });
    });
  }

  get caps(): Capabilities {
    return this.printer.caps;
  }

  /** Association end: the working hierarchy goes, queued jobs go on (PS3.4 H.2.1). */
  release(): void {
    this.#unsubscribe();
    if (this.#session) this.#dropSession(this.#session);
    this.#luts.clear();
  }

  #negotiated(abstractSyntax: string): boolean {
    return this.association.contexts.some((c) => c.abstractSyntax === abstractSyntax);
  }

  /** 0x0117 for a UID that breaks PS3.5 rules, 0x0111 for one already in use. */
  #newInstanceUid(req: DimseRequest): string | DimseReply {
    const uid = req.command.affectedSopInstanceUid;
    if (uid === undefined) return newUid();
    if (uid.length > 64 || !UID_SYNTAX.test(uid))
      return fail('InvalidSopInstance', `Affected SOP Instance UID "${uid.slice(0, 30)}" is not a valid UID`);
    if (this.#instances.has(uid) || this.printer.job(uid))
      return fail('DuplicateSopInstance', `SOP Instance ${uid} already exists`);
    return uid;
  }

  /** Find the instance a request names, answering 0x0112/0x0119 when it is not one of ours. */
  #lookup(req: DimseRequest, kind: Kind): string | DimseReply {
    const uid = req.sopInstanceUid ?? '';
    const known = this.#instances.get(uid);
    if (!known) return fail('NoSuchSopInstance', `no ${kind} ${uid.slice(0, 40)}`);
    if (known.kind !== kind || known.sopClassUid !== req.sopClassUid) {
      return fail(
        'ClassInstanceConflict',
        `${uid.slice(0, 30)} is a ${known.kind}, not of class ${req.sopClassUid}`,
      );
    }
    return uid;
  }

  #lastFilmBox(): FilmBox | undefined {
    return this.#session?.filmBoxes.at(-1);
  }

  /** PS3.4 H.4.2: only the most recent film box (and its boxes) may be changed or printed. */
  #openFilmBox(fb: FilmBox): DimseReply | undefined {
    if (fb === this.#lastFilmBox() || this.caps.quirks.lenientFilmBoxOrder) return undefined;
    return fail('ProcessingFailure', 'only the most recently created film box may be used');
  }

  // ---------------------------------------------------------------- Film Session

  createFilmSession(req: DimseRequest): DimseReply {
    const ds = req.dataset ?? {};
    const uid = this.#newInstanceUid(req);
    if (typeof uid !== 'string') return uid;
    if (this.#session) return fail('ProcessingFailure', 'a film session already exists on this association');
    const v = validate(ds, FILM_SESSION_RULES, this.caps, 'create', 'Basic Film Session');
    if (v.failure) return fromVerdict(v.failure);
    const c = this.caps;
    const attributes: DcmDataset = {
      [Tag.NumberOfCopies]: el.is(1),
      [Tag.PrintPriority]: el.cs('MED'),
      [Tag.MediumType]: el.cs(c.mediumTypes[0]!),
      [Tag.FilmDestination]: el.cs(c.filmDestinations[0]!),
      ...copyOf(ds, FILM_SESSION_RULES),
    };
    const session: FilmSession = { uid, attributes, filmBoxes: [] };
    const lut = this.#lutReference(ds);
    if (typeof lut === 'object') return lut;
    if (lut) session.presentationLutUid = lut;
    delete attributes[Tag.MemoryAllocation];
    this.#session = session;
    this.#instances.set(uid, { kind: 'film-session', sopClassUid: Uid.BasicFilmSession });
    const warnings = v.warnings.map((w) => ({ status: w.status, why: w.errorComment }));
    if (Tag.MemoryAllocation in ds)
      warnings.unshift({ status: 'MemoryAllocationNotSupported', why: 'Memory Allocation ignored' });
    return warningReply(warnings, { affectedSopInstanceUid: uid, dataset: attributes });
  }

  setFilmSession(req: DimseRequest): DimseReply {
    const uid = this.#lookup(req, 'film-session');
    if (typeof uid !== 'string') return uid;
    const ds = req.dataset ?? {};
    const v = validate(ds, FILM_SESSION_RULES, this.caps, 'set', 'Basic Film Session');
    if (v.failure) return fromVerdict(v.failure);
    const lut = this.#lutReference(ds);
    if (typeof lut === 'object') return lut;
    const session = this.#session!;
    if (lut) session.presentationLutUid = lut;
    Object.assign(session.attributes, copyOf(ds, FILM_SESSION_RULES));
    delete session.attributes[Tag.MemoryAllocation];
    const warnings = v.warnings.map((w) => ({ status: w.status, why: w.errorComment }));
    if (Tag.MemoryAllocation in ds)
      warnings.unshift({ status: 'MemoryAllocationNotSupported', why: 'Memory Allocation ignored' });
    return warningReply(warnings);
  }

  deleteFilmSession(req: DimseRequest): DimseReply {
    const uid = this.#lookup(req, 'film-session');
    if (typeof uid !== 'string') return uid;
    this.#dropSession(this.#session!);
    return ok();
  }

  #dropSession(s: FilmSession): void {
    for (const fb of s.filmBoxes) this.#dropFilmBox(fb);
    this.#instances.delete(s.uid);
    this.#session = undefined;
  }

  async actionFilmSession(req: DimseRequest): Promise<DimseReply> {
    const uid = this.#lookup(req, 'film-session');
    if (typeof uid !== 'string') return uid;
    if (req.command.actionTypeId !== 1)
      return fail('NoSuchActionType', `Action Type ID ${req.command.actionTypeId}; only 1 (print)`);
    const s = this.#session!;
    if (s.filmBoxes.length === 0) return fail('NoFilmBox', 'the film session has no film box');
    const refused = this.#refuseWhileFailed('FilmSessionPrintQueueFull');
    if (refused) return refused;
    if (this.printer.queueFull) return fail('FilmSessionPrintQueueFull', 'print queue full');
    const warnings: { status: StatusName; why: string }[] = [];
    if (s.filmBoxes.every((fb) => fb.imageBoxes.every((b) => !b.image))) {
      warnings.push({ status: 'FilmSessionEmptyPage', why: 'no image box holds an image' });
    }
    if (this.caps.maxCollatedFilms === 0 || s.filmBoxes.length > this.caps.maxCollatedFilms) {
      warnings.push({ status: 'FilmSessionPrintingNotSupported', why: 'films printed without collation' });
    }
    const job = await this.#print(s, s.filmBoxes);
    if (job instanceof SpoolError) return this.#notStored(job);
    return warningReply(warnings, this.#actionReply(job));
  }

  // ---------------------------------------------------------------- Film Box

  createFilmBox(req: DimseRequest): DimseReply {
    const ds = req.dataset ?? {};
    const uid = this.#newInstanceUid(req);
    if (typeof uid !== 'string') return uid;
    const s = this.#session;
    if (!s) return fail('ProcessingFailure', 'no film session: create one first');
    const v = validate(ds, FILM_BOX_RULES, this.caps, 'create', 'Basic Film Box');
    if (v.failure) return fromVerdict(v.failure);
    const refSession = str(items(ds, Tag.ReferencedFilmSessionSequence)[0], Tag.ReferencedSOPInstanceUID);
    if (refSession !== s.uid) {
      return fail(
        'InvalidAttributeValue',
        `Referenced Film Session ${refSession} is not this association's session`,
        {
          offendingElement: [tagNumber(Tag.ReferencedFilmSessionSequence)],
        },
      );
    }
    const last = this.#lastFilmBox();
    if (last && !last.printed && this.caps.maxCollatedFilms === 0) {
      return fail('UnprintedFilmBoxExists', 'print the previous film box first (no film session printing)');
    }
    const lut = this.#lutReference(ds);
    if (typeof lut === 'object') return lut;

    const c = this.caps;
    const annotated = this.#negotiated(Uid.BasicAnnotationBox) && c.sopClasses.annotationBox;
    const medium = str(s.attributes, Tag.MediumType) ?? '';
    const reflective = medium === 'PAPER';
    const attributes: DcmDataset = {
      [Tag.FilmOrientation]: el.cs(c.orientations[0]!),
      [Tag.FilmSizeID]: el.cs(c.filmSizes[0]!.id),
      [Tag.MagnificationType]: el.cs(c.magnificationTypes[0]!),
      [Tag.SmoothingType]: el.cs(c.smoothingTypes[0]!),
      [Tag.BorderDensity]: el.cs(c.borderDensities[0]!),
      [Tag.EmptyImageDensity]: el.cs(c.emptyImageDensities[0]!),
      [Tag.MinDensity]: el.us(c.density.defaultMin),
      [Tag.MaxDensity]: el.us(c.density.defaultMax),
      [Tag.Trim]: el.cs('NO'),
      [Tag.Illumination]: el.us(reflective ? DEFAULT_ILLUMINATION.paper : DEFAULT_ILLUMINATION.film),
      [Tag.ReflectedAmbientLight]: el.us(DEFAULT_REFLECTED_AMBIENT),
      [Tag.RequestedResolutionID]: el.cs(defaultResolution(c)),
      ...copyOf(ds, FILM_BOX_RULES),
    };
    delete attributes[Tag.ReferencedImageBoxSequence];
    delete attributes[Tag.ReferencedBasicAnnotationBoxSequence];
    if (annotated) attributes[Tag.AnnotationDisplayFormatID] ??= el.cs(Object.keys(c.annotationFormats)[0]!);
    const warnings = v.warnings.map((w) => ({ status: w.status, why: w.errorComment }));
    const requestedDensity = { min: num(attributes, Tag.MinDensity), max: num(attributes, Tag.MaxDensity) };
    const clamp = this.#clampDensities(attributes);
    if (typeof clamp === 'object') return clamp;
    if (clamp) warnings.unshift({ status: 'MinMaxDensityOutOfRange', why: clamp });

    const format = str(attributes, Tag.ImageDisplayFormat)!;
    const layout = acceptedLayout(c, format);
    const matrix = filmMatrix(
      c,
      str(attributes, Tag.FilmSizeID)!,
      str(attributes, Tag.FilmOrientation)!,
      str(attributes, Tag.RequestedResolutionID)!,
    );
    const isColor = req.context.abstractSyntax === Uid.BasicColorPrintManagementMeta;
    const boxClass = isColor ? Uid.BasicColorImageBox : Uid.BasicGrayscaleImageBox;
    const imageBoxes: ImageBox[] = boxRects(layout, matrix.width, matrix.height).map((rect) => ({
      uid: newUid(),
      sopClassUid: boxClass,
      position: rect.position,
      rect,
      attributes: {},
      statuses: [],
    }));
    const annotationCount = annotated
      ? (c.annotationFormats[str(attributes, Tag.AnnotationDisplayFormatID)!] ?? 0)
      : 0;
    const annotationBoxes: AnnotationBox[] = Array.from({ length: annotationCount }, (_, i) => ({
      uid: newUid(),
      position: i + 1,
      text: '',
    }));
    const fb: FilmBox = {
      uid,
      attributes,
      layout,
      matrix,
      imageBoxes,
      annotationBoxes,
      requestedDensity,
      printed: false,
      statuses: [],
    };
    if (lut) fb.presentationLutUid = lut;
    s.filmBoxes.push(fb);
    this.#instances.set(uid, { kind: 'film-box', sopClassUid: Uid.BasicFilmBox });
    for (const b of imageBoxes) this.#instances.set(b.uid, { kind: 'image-box', sopClassUid: boxClass });
    for (const a of annotationBoxes)
      this.#instances.set(a.uid, { kind: 'annotation-box', sopClassUid: Uid.BasicAnnotationBox });

    const response: DcmDataset = {
      ...attributes,
      [Tag.ReferencedImageBoxSequence]: el.sq(imageBoxes.map((b) => el.ref(boxClass, b.uid))),
    };
    if (annotated)
      response[Tag.ReferencedBasicAnnotationBoxSequence] = el.sq(
        annotationBoxes.map((a) => el.ref(Uid.BasicAnnotationBox, a.uid)),
      );
    if (this.#negotiated(Uid.PresentationLut) && fb.presentationLutUid) {
      response[Tag.ReferencedPresentationLUTSequence] = el.sq([
        el.ref(Uid.PresentationLut, fb.presentationLutUid),
      ]);
    }
    const reply = warningReply(warnings, { affectedSopInstanceUid: uid, dataset: response });
    if (c.quirks.omitSopClassUidInCreateResponse) reply.omitAffectedSopClassUid = true;
    fb.statuses.push(Status[reply.status].code);
    return reply;
  }

  setFilmBox(req: DimseRequest): DimseReply {
    const uid = this.#lookup(req, 'film-box');
    if (typeof uid !== 'string') return uid;
    const fb = this.#session!.filmBoxes.find((f) => f.uid === uid)!;
    const closed = this.#openFilmBox(fb);
    if (closed) return closed;
    const ds = req.dataset ?? {};
    const v = validate(ds, FILM_BOX_RULES, this.caps, 'set', 'Basic Film Box');
    if (v.failure) return fromVerdict(v.failure);
    const lut = this.#lutReference(ds);
    if (typeof lut === 'object') return lut;
    const next = { ...fb.attributes, ...copyOf(ds, FILM_BOX_RULES) };
    const warnings = v.warnings.map((w) => ({ status: w.status, why: w.errorComment }));
    const requested = { min: num(next, Tag.MinDensity), max: num(next, Tag.MaxDensity) };
    const clamp = this.#clampDensities(next);
    if (typeof clamp === 'object') return clamp;
    if (clamp) warnings.unshift({ status: 'MinMaxDensityOutOfRange', why: clamp });
    fb.attributes = next;
    fb.requestedDensity = requested;
    if (lut) fb.presentationLutUid = lut;
    return warningReply(warnings);
  }

  deleteFilmBox(req: DimseRequest): DimseReply {
    const uid = this.#lookup(req, 'film-box');
    if (typeof uid !== 'string') return uid;
    const s = this.#session!;
    const fb = s.filmBoxes.find((f) => f.uid === uid)!;
    const closed = this.#openFilmBox(fb);
    if (closed) return closed;
    this.#dropFilmBox(fb);
    s.filmBoxes.splice(s.filmBoxes.indexOf(fb), 1);
    return ok();
  }

  #dropFilmBox(fb: FilmBox): void {
    for (const b of fb.imageBoxes) {
      if (b.image && !fb.printed) this.printer.release(b.image.pixels.length);
      // A printed film has its own link to the staged pixels: the staging name can go either way.
      if (b.staged) this.printer.store.staging.discard(b.staged);
      this.#instances.delete(b.uid);
    }
    for (const a of fb.annotationBoxes) this.#instances.delete(a.uid);
    this.#instances.delete(fb.uid);
  }

  async actionFilmBox(req: DimseRequest): Promise<DimseReply> {
    const uid = this.#lookup(req, 'film-box');
    if (typeof uid !== 'string') return uid;
    if (req.command.actionTypeId !== 1)
      return fail('NoSuchActionType', `Action Type ID ${req.command.actionTypeId}; only 1 (print)`);
    const fb = this.#session!.filmBoxes.find((f) => f.uid === uid)!;
    const closed = this.#openFilmBox(fb);
    if (closed) return closed;
    const refused = this.#refuseWhileFailed('FilmBoxPrintQueueFull');
    if (refused) return refused;
    if (this.printer.queueFull) return fail('FilmBoxPrintQueueFull', 'print queue full');
    const warnings: { status: StatusName; why: string }[] = [];
    if (fb.imageBoxes.every((b) => !b.image))
      warnings.push({ status: 'FilmBoxEmptyPage', why: 'no image box holds an image' });
    const job = await this.#print(this.#session!, [fb]);
    if (job instanceof SpoolError) return this.#notStored(job);
    return warningReply(warnings, this.#actionReply(job));
  }

  /**
   * The films could not be stored (disk full, I/O error): 0x0213 Resource Limitation, a failure
   * N-ACTION may return (PS3.7 10.1.4.1.10), with the reason. Nothing was kept and no print job
   * exists, so the SCU knows the film is not printed and may retry.
   */
  #notStored(e: SpoolError): DimseReply {
    return fail('ResourceLimitation', e.reason.slice(0, 64));
  }

  /** A printer in FAILURE cannot create a print job, unless its profile accepts and fails it. */
  #refuseWhileFailed(queueFull: StatusName): DimseReply | undefined {
    if (this.printer.status !== 'FAILURE') return undefined;
    const why = `printer FAILURE (${this.printer.statusInfo})`;
    switch (this.caps.whenFailed) {
      case 'refuse':
        return fail(queueFull, `${why}: no print job created`);
      case 'processing-failure':
        return fail('ProcessingFailure', why);
      case 'fail-job':
        return undefined;
    }
  }

  #actionReply(job: PrintJob): Partial<DimseReply> {
    // PS3.4 H.4.2.2.4: Referenced Print Job Sequence in the reply when Print Job is supported.
    if (!this.#negotiated(Uid.PrintJob) || !this.caps.sopClasses.printJob) return { actionTypeId: 1 };
    return {
      actionTypeId: 1,
      dataset: { [Tag.ReferencedPrintJobSequence]: el.sq([el.ref(Uid.PrintJob, job.uid)]) },
    };
  }

  /**
   * Snapshot the films into a job and store them durably before answering; their image memory is
   * given back once they are on disk. A SpoolError when they could not be stored.
   */
  async #print(s: FilmSession, filmBoxes: FilmBox[]): Promise<PrintJob | SpoolError> {
    const snapshot = filmBoxes.map((fb) => ({ ...fb, imageBoxes: fb.imageBoxes.map((b) => ({ ...b })) }));
    const sessionSnapshot: FilmSession = { ...s, attributes: { ...s.attributes } };
    const copies = num(s.attributes, Tag.NumberOfCopies) ?? 1;
    const a = this.association;
    const printer = this.printer;
    // The Presentation LUT of each film, taken now: the association's LUTs go when it ends.
    const filmLuts = snapshot.map((fb) => {
      const uid = fb.presentationLutUid ?? s.presentationLutUid;
      return uid ? this.#luts.get(uid) : undefined;
    });
    const jobEvents = this.#negotiated(Uid.PrintJob) && this.caps.sopClasses.printJob;
    const submitted = printer.submit(
      {
        priority: str(s.attributes, Tag.PrintPriority) ?? 'MED',
        originator: a.callingAeTitle,
        label: str(s.attributes, Tag.FilmSessionLabel),
        copies,
        associationId: a.id,
      },
      {
        filmCount: snapshot.length,
        spool: async (job) => {
          const films = [];
          for (const [i, fb] of snapshot.entries()) {
            const lut = filmLuts[i];
            films.push(
              await spoolFilm(printer.store.filmFiles, printer.store.staging, {
                printer: {
                  aeTitle: printer.caps.aeTitle,
                  name: printer.caps.name,
                  density: { min: printer.caps.density.min, max: printer.caps.density.max },
                  printerName: printer.caps.identity.printerName,
                  stamp: printer.caps.stamp,
                  smoothingKernels: printer.caps.smoothingKernels,
                  annotationPlaces:
                    printer.caps.annotationLayout[str(fb.attributes, Tag.AnnotationDisplayFormatID) ?? ''],
                },
                job,
                callingAeTitle: a.callingAeTitle,
                associationId: a.id,
                session: sessionSnapshot,
                filmBox: fb,
                presentationLut: lut
                  ? { shape: lut.shape, descriptor: lut.descriptor, data: lut.data }
                  : undefined,
                index: i + 1,
              }),
            );
          }
          return films;
        },
      },
      {
        changed: async (job) => {
          if (!jobEvents) return;
          const ds: DcmDataset = {
            [Tag.ExecutionStatusInfo]: el.cs(job.statusInfo),
            [Tag.PrinterName]: el.lo(job.printerName),
          };
          if (job.filmSessionLabel) ds[Tag.FilmSessionLabel] = el.lo(job.filmSessionLabel);
          await a.notify({
            abstractSyntaxes: [Uid.PrintJob],
            sopClassUid: Uid.PrintJob,
            sopInstanceUid: job.uid,
            eventTypeId: JOB_EVENT[job.status],
            dataset: ds,
          });
        },
      },
    );
    try {
      const job = await submitted;
      // Printed: the images are on disk now, the image memory they held is free.
      for (const fb of filmBoxes) {
        if (!fb.printed)
          for (const b of fb.imageBoxes) if (b.image) this.printer.release(b.image.pixels.length);
        fb.printed = true;
      }
      return job;
    } catch (e) {
      if (e instanceof SpoolError) return e;
      throw e;
    }
  }

  // ---------------------------------------------------------------- Image Box

  setImageBox(req: DimseRequest): DimseReply {
    const uid = this.#lookup(req, 'image-box');
    if (typeof uid !== 'string') return uid;
    const fb = this.#session!.filmBoxes.find((f) => f.imageBoxes.some((b) => b.uid === uid))!;
    const closed = this.#openFilmBox(fb);
    if (closed) return closed;
    if (fb.printed && !this.caps.quirks.lenientFilmBoxOrder)
      return fail('ProcessingFailure', 'the film box was already printed');
    const box = fb.imageBoxes.find((b) => b.uid === uid)!;
    // The data directory's volume is below --min-free-space: no image would be kept.
    const shortage = this.printer.spaceShortage?.();
    if (shortage) return this.#boxStatus(box, fail('InsufficientMemory', shortage));
    // Another image of this film could not be stored: the disk is failing, this one would not keep either.
    const lost = fb.imageBoxes.find((b) => b !== box && b.staged?.error);
    if (lost)
      return this.#boxStatus(
        box,
        fail(
          'ResourceLimitation',
          `image ${lost.position} not stored: ${lost.staged!.error!.code ?? lost.staged!.error!.message}`,
        ),
      );
    const color = box.sopClassUid === Uid.BasicColorImageBox;
    const ds = req.dataset ?? {};
    const rules = color ? COLOR_IMAGE_BOX_RULES : GRAYSCALE_IMAGE_BOX_RULES;
    const v = validate(
      ds,
      rules,
      this.caps,
      'set',
      color ? 'Basic Color Image Box' : 'Basic Grayscale Image Box',
    );
    if (v.failure) return this.#boxStatus(box, fromVerdict(v.failure));
    const position = num(ds, Tag.ImageBoxPosition);
    if (position !== box.position) {
      return this.#boxStatus(
        box,
        fail(
          'InvalidAttributeValue',
          `Image Box Position ${position}, this box is position ${box.position}`,
          {
            offendingElement: [tagNumber(Tag.ImageBoxPosition)],
          },
        ),
      );
    }
    const seqTag = color ? Tag.BasicColorImageSequence : Tag.BasicGrayscaleImageSequence;
    const list = items(ds, seqTag);
    if (list.length > 1) {
      return this.#boxStatus(
        box,
        fail('InvalidAttributeValue', `${list.length} items in the image sequence, at most 1`, {
          offendingElement: [tagNumber(seqTag)],
        }),
      );
    }
    const lut = color ? undefined : this.#lutReference(ds);
    if (typeof lut === 'object') return this.#boxStatus(box, lut);
    const attributes = { ...box.attributes, ...copyOf(ds, rules) };
    delete attributes[seqTag];
    const warnings = v.warnings.map((w) => ({ status: w.status, why: w.errorComment }));

    if (list.length === 0) {
      // PS3.4 H.4.3.1: an empty sequence erases the image in this position.
      if (box.image) this.printer.release(box.image.pixels.length);
      box.image = undefined;
      if (box.staged) this.printer.store.staging.discard(box.staged);
      box.staged = undefined;
      box.fit = undefined;
      box.attributes = attributes;
      return this.#boxStatus(box, warningReply(warnings));
    }
    const image = readImage(list[0]!, color, this.caps);
    if (isProblem(image)) {
      const extra =
        image.status === 'MissingAttribute'
          ? { attributeIdentifierList: [tagNumber(image.tag)] }
          : { offendingElement: [tagNumber(image.tag)] };
      return this.#boxStatus(box, fail(image.status, image.errorComment, extra));
    }
    const fit = this.#fit(fb, box, attributes, image.columns, image.rows);
    if ('status' in fit) return this.#boxStatus(box, fit);
    let clamped: string | undefined;
    let minD: number | undefined;
    let maxD: number | undefined;
    if (!color) {
      const d = this.#effectiveDensities(fb, attributes);
      if (typeof d === 'object' && 'status' in d) return this.#boxStatus(box, d);
      ({ min: minD, max: maxD, clamped } = d);
    }
    const previous = box.image?.pixels.length ?? 0;
    if (!this.printer.reserve(image.pixels.length, previous)) {
      return this.#boxStatus(
        box,
        fail(
          'InsufficientMemory',
          `printer memory full: ${image.pixels.length} more bytes do not fit in ${this.caps.memoryBytes}`,
        ),
      );
    }
    box.image = image;
    // To disk now, in the background, while the modality sends the next box: printing then only links it.
    if (box.staged) this.printer.store.staging.discard(box.staged);
    box.staged = this.printer.store.staging.stage(partsOf(image.pixels), image.pixels.length);
    box.attributes = attributes;
    box.fit = fit.decision;
    box.minDensity = minD;
    box.maxDensity = maxD;
    box.requestedDensity = color
      ? undefined
      : { min: num(attributes, Tag.MinDensity), max: num(attributes, Tag.MaxDensity) };
    if (lut)
      fb.imageBoxes.find((b) => b === box)!.attributes[Tag.ReferencedPresentationLUTSequence] = el.sq([
        el.ref(Uid.PresentationLut, lut),
      ]);
    if (fit.warning) warnings.unshift(fit.warning);
    if (clamped) warnings.push({ status: 'MinMaxDensityOutOfRange', why: clamped });
    return this.#boxStatus(box, warningReply(warnings));
  }

  #boxStatus(box: ImageBox, r: DimseReply): DimseReply {
    box.statuses.push(Status[r.status].code);
    return r;
  }

  /**
   * Does the image fit its box? Box pixels come from the film's pixel matrix; Requested Image Size
   * (mm) asks for a true size. Too large: decimate, crop, demagnify or fail, per Requested
   * Decimate/Crop Behavior when the printer honours it, else per its default (spec digest 5.1).
   */
  #fit(
    fb: FilmBox,
    box: ImageBox,
    attrs: DcmDataset,
    columns: number,
    rows: number,
  ): { decision: FitDecision; warning?: { status: StatusName; why: string } } | DimseReply {
    const requestedMm = num(attrs, Tag.RequestedImageSize);
    let needW = columns;
    let needH = rows;
    if (requestedMm !== undefined) {
      needW = Math.round((requestedMm / 25.4) * fb.matrix.dpi);
      needH = Math.round((needW * rows) / columns);
    }
    if (needW <= box.rect.width && needH <= box.rect.height) return { decision: 'fits' };
    const c = this.caps;
    const requested = str(attrs, Tag.RequestedDecimateCropBehavior);
    const behaviour = c.decimateCrop.honoursRequest && requested ? requested : c.decimateCrop.default;
    const magnification = str(attrs, Tag.MagnificationType) ?? str(fb.attributes, Tag.MagnificationType);
    const size = `${needW}x${needH} is larger than the ${box.rect.width}x${box.rect.height} box`;
    switch (behaviour) {
      case 'DECIMATE':
        if (magnification === 'NONE')
          return fail('ImageLargerThanBox', `${size}; DECIMATE with Magnification Type NONE`);
        return { decision: 'decimated', warning: { status: 'ImageDecimated', why: `${size}: decimated` } };
      case 'CROP':
        return { decision: 'cropped', warning: { status: 'ImageCropped', why: `${size}: cropped` } };
      case 'DEMAGNIFY':
        return {
          decision: 'demagnified',
          warning: { status: 'ImageDemagnified', why: `${size}: demagnified` },
        };
      default:
        return fail(
          c.quirks.oversizeStatus === 'C613' ? 'CombinedImageLargerThanBox' : 'ImageLargerThanBox',
          `${size}; it is neither cropped nor decimated`,
        );
    }
  }

  /** Min/Max Density for an image: the box's, else the film box's, clamped to the printer range. */
  #effectiveDensities(
    fb: FilmBox,
    attrs: DcmDataset,
  ): { min: number; max: number; clamped?: string } | DimseReply {
    const probe: DcmDataset = {
      [Tag.MinDensity]: attrs[Tag.MinDensity] ?? fb.attributes[Tag.MinDensity]!,
      [Tag.MaxDensity]: attrs[Tag.MaxDensity] ?? fb.attributes[Tag.MaxDensity]!,
    };
    const boxSet = Tag.MinDensity in attrs || Tag.MaxDensity in attrs;
    const clamp = this.#clampDensities(probe);
    if (typeof clamp === 'object') return clamp;
    return {
      min: num(probe, Tag.MinDensity)!,
      max: num(probe, Tag.MaxDensity)!,
      clamped: boxSet ? clamp : undefined,
    };
  }

  /**
   * Clamp Min/Max Density in place to the printer's range (spec digest 5.2). Returns why, when it
   * clamped (-> 0xB605), or a failure when the result is empty (Min >= Max -> 0x0106).
   */
  #clampDensities(attrs: DcmDataset): string | undefined | DimseReply {
    const { min, max } = this.caps.density;
    const why: string[] = [];
    const lo = num(attrs, Tag.MinDensity);
    const hi = num(attrs, Tag.MaxDensity);
    if (lo !== undefined && lo < min) {
      attrs[Tag.MinDensity] = el.us(min);
      why.push(`Min Density ${lo} raised to ${min}`);
    }
    if (hi !== undefined && hi > max) {
      attrs[Tag.MaxDensity] = el.us(max);
      why.push(`Max Density ${hi} lowered to ${max}`);
    }
    const l = num(attrs, Tag.MinDensity);
    const h = num(attrs, Tag.MaxDensity);
    if (l !== undefined && h !== undefined && l >= h) {
      return fail('InvalidAttributeValue', `Min Density ${l} is not below Max Density ${h}`, {
        offendingElement: [tagNumber(Tag.MinDensity)],
      });
    }
    return why.length > 0 ? why.join(', ') : undefined;
  }

  // ---------------------------------------------------------------- Annotation Box

  setAnnotationBox(req: DimseRequest): DimseReply {
    const uid = this.#lookup(req, 'annotation-box');
    if (typeof uid !== 'string') return uid;
    const fb = this.#session!.filmBoxes.find((f) => f.annotationBoxes.some((a) => a.uid === uid))!;
    const closed = this.#openFilmBox(fb);
    if (closed) return closed;
    const box = fb.annotationBoxes.find((a) => a.uid === uid)!;
    const ds = req.dataset ?? {};
    const v = validate(ds, ANNOTATION_BOX_RULES, this.caps, 'set', 'Basic Annotation Box');
    if (v.failure) return fromVerdict(v.failure);
    const position = num(ds, Tag.AnnotationPosition);
    if (position !== box.position) {
      return fail(
        'InvalidAttributeValue',
        `Annotation Position ${position}, this box is position ${box.position}`,
        {
          offendingElement: [tagNumber(Tag.AnnotationPosition)],
        },
      );
    }
    box.text = (str(ds, Tag.TextString) ?? '').slice(0, this.caps.maxAnnotationLength);
    return warningReply(v.warnings.map((w) => ({ status: w.status, why: w.errorComment })));
  }

  // ---------------------------------------------------------------- Presentation LUT

  /** A Referenced Presentation LUT Sequence in ds: the LUT's UID, 0x0112-style failure, or none. */
  #lutReference(ds: DcmDataset): string | undefined | DimseReply {
    const ref = items(ds, Tag.ReferencedPresentationLUTSequence)[0];
    if (!ref) return undefined;
    const uid = str(ref, Tag.ReferencedSOPInstanceUID) ?? '';
    if (!this.#luts.has(uid)) {
      return fail('InvalidAttributeValue', `Referenced Presentation LUT ${uid.slice(0, 30)} does not exist`, {
        offendingElement: [tagNumber(Tag.ReferencedPresentationLUTSequence)],
      });
    }
    return uid;
  }

  createPresentationLut(req: DimseRequest): DimseReply {
    const ds = req.dataset ?? {};
    const uid = this.#newInstanceUid(req);
    if (typeof uid !== 'string') return uid;
    const v = validate(ds, PRESENTATION_LUT_RULES, this.caps, 'create', 'Presentation LUT');
    if (v.failure) return fromVerdict(v.failure);
    const shape = str(ds, Tag.PresentationLUTShape);
    const seq = items(ds, Tag.PresentationLUTSequence);
    const hasSeq = Tag.PresentationLUTSequence in ds;
    if (shape === undefined && !hasSeq) {
      return fail('MissingAttribute', 'neither Presentation LUT Shape nor Presentation LUT Sequence', {
        attributeIdentifierList: [
          tagNumber(Tag.PresentationLUTShape),
          tagNumber(Tag.PresentationLUTSequence),
        ],
      });
    }
    if (shape !== undefined && hasSeq) {
      return fail('InvalidAttributeValue', 'Presentation LUT Shape and Sequence are mutually exclusive', {
        offendingElement: [tagNumber(Tag.PresentationLUTSequence)],
      });
    }
    const lut: PresentationLut = { uid };
    if (shape !== undefined) lut.shape = shape;
    else {
      if (seq.length !== 1)
        return fail('InvalidAttributeValue', `Presentation LUT Sequence has ${seq.length} items, must be 1`);
      const item = seq[0]!;
      const desc = (item[Tag.LUTDescriptor]?.Value ?? []).map(Number);
      const data = (item[Tag.LUTData]?.Value ?? []).map(Number);
      const [entries, first, bits] = desc as [number, number, number];
      if (
        desc.length !== 3 ||
        !(entries === 256 || entries === 4096) ||
        first !== 0 ||
        bits < 10 ||
        bits > 16
      ) {
        return fail(
          'InvalidAttributeValue',
          `LUT Descriptor ${desc.join('\\')}: needs 256 or 4096\\0\\10-16`,
          {
            offendingElement: [tagNumber(Tag.LUTDescriptor)],
          },
        );
      }
      if (data.length !== entries) {
        return fail(
          'InvalidAttributeValue',
          `LUT Data has ${data.length} entries, descriptor says ${entries}`,
          {
            offendingElement: [tagNumber(Tag.LUTData)],
          },
        );
      }
      lut.descriptor = [entries, first, bits];
      lut.data = data;
    }
    this.#luts.set(uid, lut);
    this.#instances.set(uid, { kind: 'presentation-lut', sopClassUid: Uid.PresentationLut });
    return warningReply(
      v.warnings.map((w) => ({ status: w.status, why: w.errorComment })),
      { affectedSopInstanceUid: uid },
    );
  }

  deletePresentationLut(req: DimseRequest): DimseReply {
    const uid = this.#lookup(req, 'presentation-lut');
    if (typeof uid !== 'string') return uid;
    const s = this.#session;
    const used =
      s?.presentationLutUid === uid ||
      s?.filmBoxes.some(
        (fb) =>
          fb.presentationLutUid === uid ||
          fb.imageBoxes.some(
            (b) =>
              str(
                items(b.attributes, Tag.ReferencedPresentationLUTSequence)[0],
                Tag.ReferencedSOPInstanceUID,
              ) === uid,
          ),
      );
    if (used) return fail('ProcessingFailure', 'the Presentation LUT is still referenced');
    this.#luts.delete(uid);
    this.#instances.delete(uid);
    return ok();
  }
}
