/**
 * One association's Print Management state (PS3.4 H.2.1): the SOP instances it created (film
 * session, film boxes with their image and annotation boxes, Presentation LUTs), the lookups every
 * print object needs, and the Printer status events the association hears. The rules of each
 * print object live in its own module (film-session.ts, film-box.ts, image-box.ts,
 * annotation-box.ts, presentation-lut.ts, print-job.ts); they read and change this store.
 */

import { type DcmDataset, newUid } from '../dicom/dimse/dataset.js';
import type { AssociationInfo, DimseReply, DimseRequest } from '../dicom/service/service.js';
import { Tag } from '../dicom/tags.js';
import { Uid } from '../dicom/uids.js';
import type { Capabilities } from '../profiles/capabilities.js';
import { PRINTER_EVENT } from '../profiles/printer-status.js';
import type { FilmBox, FilmSession, PresentationLut } from './model.js';
import type { PrinterRuntime } from './printer-runtime.js';
import { fail } from './replies.js';
import { el } from './values.js';

/** The kinds of SOP instance an association creates. */
export type InstanceKind = 'film-session' | 'film-box' | 'image-box' | 'annotation-box' | 'presentation-lut';

/** PS3.5 9.1: UID syntax, at most 64 characters. */
const UID_SYNTAX = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

export class PrintContext {
  /** The film session, when one exists (at most one per association). */
  session: FilmSession | undefined;
  /** Presentation LUTs by SOP Instance UID. */
  readonly luts = new Map<string, PresentationLut>();
  readonly #instances = new Map<string, { kind: InstanceKind; sopClassUid: string }>();
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
    if (this.session) this.dropSession(this.session);
    this.luts.clear();
  }

  /** Was this abstract syntax accepted on the association? */
  negotiated(abstractSyntax: string): boolean {
    return this.association.contexts.some((c) => c.abstractSyntax === abstractSyntax);
  }

  /** 0x0117 for a UID that breaks PS3.5 rules, 0x0111 for one already in use. */
  newInstanceUid(req: DimseRequest): string | DimseReply {
    const uid = req.command.affectedSopInstanceUid;
    if (uid === undefined) return newUid();
    if (uid.length > 64 || !UID_SYNTAX.test(uid))
      return fail('InvalidSopInstance', `Affected SOP Instance UID "${uid.slice(0, 30)}" is not a valid UID`);
    if (this.#instances.has(uid) || this.printer.job(uid))
      return fail('DuplicateSopInstance', `SOP Instance ${uid} already exists`);
    return uid;
  }

  register(uid: string, kind: InstanceKind, sopClassUid: string): void {
    this.#instances.set(uid, { kind, sopClassUid });
  }

  forget(uid: string): void {
    this.#instances.delete(uid);
  }

  /** Find the instance a request names, answering 0x0112/0x0119 when it is not one of ours. */
  lookup(req: DimseRequest, kind: InstanceKind): string | DimseReply {
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

  lastFilmBox(): FilmBox | undefined {
    return this.session?.filmBoxes.at(-1);
  }

  /** PS3.4 H.4.2: only the most recent film box (and its boxes) may be changed or printed. */
  openFilmBox(fb: FilmBox): DimseReply | undefined {
    if (fb === this.lastFilmBox() || this.caps.quirks.lenientFilmBoxOrder) return undefined;
    return fail('ProcessingFailure', 'only the most recently created film box may be used');
  }

  dropSession(s: FilmSession): void {
    for (const fb of s.filmBoxes) this.dropFilmBox(fb);
    this.#instances.delete(s.uid);
    this.session = undefined;
  }

  /** Forget a film box and its boxes; the memory of images not printed is given back. */
  dropFilmBox(fb: FilmBox): void {
    for (const b of fb.imageBoxes) {
      if (b.image && !fb.printed) this.printer.release(b.image.pixels.length);
      // A printed film has its own link to the staged pixels: the staging name can go either way.
      if (b.staged) this.printer.store.staging.discard(b.staged);
      this.#instances.delete(b.uid);
    }
    for (const a of fb.annotationBoxes) this.#instances.delete(a.uid);
    this.#instances.delete(fb.uid);
  }
}
