/**
 * Basic Film Session SOP class (PS3.4 H.4.1): N-CREATE, N-SET, N-DELETE, and N-ACTION printing
 * every film box of the session.
 */
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import type { DimseReply, DimseRequest } from '../dicom/service/service.js';
import { Tag } from '../dicom/tags.js';
import { Uid } from '../dicom/uids.js';
import { FILM_SESSION_RULES, validate } from './attributes.js';
import type { FilmSession } from './model.js';
import { lutReference } from './presentation-lut.js';
import type { PrintContext } from './print-context.js';
import { notPrintAction, printAction } from './print-job.js';
import { copyOf, fail, fromVerdict, ok, type Warning, warningReply, warningsOf } from './replies.js';
import { el } from './values.js';

export function createFilmSession(ctx: PrintContext, req: DimseRequest): DimseReply {
  const ds = req.dataset ?? {};
  const uid = ctx.newInstanceUid(req);
  if (typeof uid !== 'string') return uid;
  if (ctx.session) return fail('ProcessingFailure', 'a film session already exists on this association');
  const v = validate(ds, FILM_SESSION_RULES, ctx.caps, 'create', 'Basic Film Session');
  if (v.failure) return fromVerdict(v.failure);
  const c = ctx.caps;
  const attributes: DcmDataset = {
    [Tag.NumberOfCopies]: el.is(1),
    [Tag.PrintPriority]: el.cs('MED'),
    [Tag.MediumType]: el.cs(c.mediumTypes[0]!),
    [Tag.FilmDestination]: el.cs(c.filmDestinations[0]!),
    ...copyOf(ds, FILM_SESSION_RULES),
  };
  const session: FilmSession = { uid, attributes, filmBoxes: [] };
  const lut = lutReference(ctx, ds);
  if (typeof lut === 'object') return lut;
  if (lut) session.presentationLutUid = lut;
  delete attributes[Tag.MemoryAllocation];
  ctx.session = session;
  ctx.register(uid, 'film-session', Uid.BasicFilmSession);
  const warnings = warningsOf(v);
  if (Tag.MemoryAllocation in ds)
    warnings.unshift({ status: 'MemoryAllocationNotSupported', why: 'Memory Allocation ignored' });
  return warningReply(warnings, { affectedSopInstanceUid: uid, dataset: attributes });
}

export function setFilmSession(ctx: PrintContext, req: DimseRequest): DimseReply {
  const uid = ctx.lookup(req, 'film-session');
  if (typeof uid !== 'string') return uid;
  const ds = req.dataset ?? {};
  const v = validate(ds, FILM_SESSION_RULES, ctx.caps, 'set', 'Basic Film Session');
  if (v.failure) return fromVerdict(v.failure);
  const lut = lutReference(ctx, ds);
  if (typeof lut === 'object') return lut;
  const session = ctx.session!;
  if (lut) session.presentationLutUid = lut;
  Object.assign(session.attributes, copyOf(ds, FILM_SESSION_RULES));
  delete session.attributes[Tag.MemoryAllocation];
  const warnings = warningsOf(v);
  if (Tag.MemoryAllocation in ds)
    warnings.unshift({ status: 'MemoryAllocationNotSupported', why: 'Memory Allocation ignored' });
  return warningReply(warnings);
}

export function deleteFilmSession(ctx: PrintContext, req: DimseRequest): DimseReply {
  const uid = ctx.lookup(req, 'film-session');
  if (typeof uid !== 'string') return uid;
  ctx.dropSession(ctx.session!);
  return ok();
}

export async function actionFilmSession(ctx: PrintContext, req: DimseRequest): Promise<DimseReply> {
  const uid = ctx.lookup(req, 'film-session');
  if (typeof uid !== 'string') return uid;
  const other = notPrintAction(req);
  if (other) return other;
  const s = ctx.session!;
  if (s.filmBoxes.length === 0) return fail('NoFilmBox', 'the film session has no film box');
  const warnings: Warning[] = [];
  if (s.filmBoxes.every((fb) => fb.imageBoxes.every((b) => !b.image))) {
    warnings.push({ status: 'FilmSessionEmptyPage', why: 'no image box holds an image' });
  }
  if (ctx.caps.maxCollatedFilms === 0 || s.filmBoxes.length > ctx.caps.maxCollatedFilms) {
    warnings.push({ status: 'FilmSessionPrintingNotSupported', why: 'films printed without collation' });
  }
  return printAction(ctx, s.filmBoxes, 'FilmSessionPrintQueueFull', warnings);
}
