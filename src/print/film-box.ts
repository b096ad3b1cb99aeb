/**
 * Basic Film Box SOP class (PS3.4 H.4.2): N-CREATE lays out the film (its image and annotation
 * boxes), N-SET, N-DELETE, N-ACTION prints it; Min/Max Density are clamped to the printer's range.
 */
import { type DcmDataset, newUid } from '../dicom/dimse/dataset.js';
import type { DimseReply, DimseRequest } from '../dicom/service/service.js';
import { Tag } from '../dicom/tags.js';
import { Uid } from '../dicom/uids.js';
import { acceptedLayout, defaultResolution, filmMatrix, filmText } from '../profiles/capabilities.js';
import { boxRects } from '../profiles/display-format.js';
import { DEFAULT_ILLUMINATION, DEFAULT_REFLECTED_AMBIENT } from '../profiles/viewing.js';
import { FILM_BOX_RULES, validate } from './attributes.js';
import type { AnnotationBox, FilmBox, ImageBox } from './model.js';
import { lutReference } from './presentation-lut.js';
import type { PrintContext } from './print-context.js';
import { notPrintAction, printAction } from './print-job.js';
import {
  copyOf,
  fail,
  fromVerdict,
  keepAnswer,
  ok,
  type Warning,
  warningReply,
  warningsOf,
} from './replies.js';
import { el, items, num, str, tagNumber } from './values.js';

export function createFilmBox(ctx: PrintContext, req: DimseRequest): DimseReply {
  const ds = req.dataset ?? {};
  const uid = ctx.newInstanceUid(req);
  if (typeof uid !== 'string') return uid;
  const s = ctx.session;
  if (!s) return fail('ProcessingFailure', 'no film session: create one first');
  const v = validate(ds, FILM_BOX_RULES, ctx.caps, 'create', 'Basic Film Box');
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
  const last = ctx.lastFilmBox();
  if (last && !last.printed && ctx.caps.maxCollatedFilms === 0) {
    return fail('UnprintedFilmBoxExists', 'print the previous film box first (no film session printing)');
  }
  const lut = lutReference(ctx, ds);
  if (typeof lut === 'object') return lut;

  const c = ctx.caps;
  const annotated = ctx.negotiated(Uid.BasicAnnotationBox) && c.sopClasses.annotationBox;
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
  const warnings = warningsOf(v);
  const requestedDensity = { min: num(attributes, Tag.MinDensity), max: num(attributes, Tag.MaxDensity) };
  const clamp = clampDensities(ctx, attributes);
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
  const annotationFormat = annotated ? str(attributes, Tag.AnnotationDisplayFormatID)! : undefined;
  const annotationCount = annotationFormat ? (c.annotationFormats[annotationFormat] ?? 0) : 0;
  // The text's bands come off the film before the image boxes share it (profiles/text-layout.ts).
  const text = filmText(c, annotationFormat, matrix);
  const area = text.images;
  const imageBoxes: ImageBox[] = boxRects(layout, area.width, area.height).map((rect) => ({
    uid: newUid(),
    sopClassUid: boxClass,
    position: rect.position,
    rect: { ...rect, x: rect.x + area.x, y: rect.y + area.y },
    attributes: {},
    statuses: [],
  }));
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
    text,
    imageBoxes,
    annotationBoxes,
    requestedDensity,
    printed: false,
    statuses: [],
  };
  if (lut) fb.presentationLutUid = lut;
  s.filmBoxes.push(fb);
  ctx.register(uid, 'film-box', Uid.BasicFilmBox);
  for (const b of imageBoxes) ctx.register(b.uid, 'image-box', boxClass);
  for (const a of annotationBoxes) ctx.register(a.uid, 'annotation-box', Uid.BasicAnnotationBox);

  const response: DcmDataset = {
    ...attributes,
    [Tag.ReferencedImageBoxSequence]: el.sq(imageBoxes.map((b) => el.ref(boxClass, b.uid))),
  };
  if (annotated)
    response[Tag.ReferencedBasicAnnotationBoxSequence] = el.sq(
      annotationBoxes.map((a) => el.ref(Uid.BasicAnnotationBox, a.uid)),
    );
  if (ctx.negotiated(Uid.PresentationLut) && fb.presentationLutUid) {
    response[Tag.ReferencedPresentationLUTSequence] = el.sq([
      el.ref(Uid.PresentationLut, fb.presentationLutUid),
    ]);
  }
  const reply = warningReply(warnings, { affectedSopInstanceUid: uid, dataset: response });
  if (c.quirks.omitSopClassUidInCreateResponse) reply.omitAffectedSopClassUid = true;
  return keepAnswer(fb, reply);
}

export function setFilmBox(ctx: PrintContext, req: DimseRequest): DimseReply {
  const uid = ctx.lookup(req, 'film-box');
  if (typeof uid !== 'string') return uid;
  const fb = ctx.session!.filmBoxes.find((f) => f.uid === uid)!;
  const closed = ctx.openFilmBox(fb);
  if (closed) return closed;
  const ds = req.dataset ?? {};
  const v = validate(ds, FILM_BOX_RULES, ctx.caps, 'set', 'Basic Film Box');
  if (v.failure) return fromVerdict(v.failure);
  const lut = lutReference(ctx, ds);
  if (typeof lut === 'object') return lut;
  const next = { ...fb.attributes, ...copyOf(ds, FILM_BOX_RULES) };
  const warnings = warningsOf(v);
  const requested = { min: num(next, Tag.MinDensity), max: num(next, Tag.MaxDensity) };
  const clamp = clampDensities(ctx, next);
  if (typeof clamp === 'object') return clamp;
  if (clamp) warnings.unshift({ status: 'MinMaxDensityOutOfRange', why: clamp });
  fb.attributes = next;
  fb.requestedDensity = requested;
  if (lut) fb.presentationLutUid = lut;
  return warningReply(warnings);
}

export function deleteFilmBox(ctx: PrintContext, req: DimseRequest): DimseReply {
  const uid = ctx.lookup(req, 'film-box');
  if (typeof uid !== 'string') return uid;
  const s = ctx.session!;
  const fb = s.filmBoxes.find((f) => f.uid === uid)!;
  const closed = ctx.openFilmBox(fb);
  if (closed) return closed;
  ctx.dropFilmBox(fb);
  s.filmBoxes.splice(s.filmBoxes.indexOf(fb), 1);
  return ok();
}

export async function actionFilmBox(ctx: PrintContext, req: DimseRequest): Promise<DimseReply> {
  const uid = ctx.lookup(req, 'film-box');
  if (typeof uid !== 'string') return uid;
  const other = notPrintAction(req);
  if (other) return other;
  const fb = ctx.session!.filmBoxes.find((f) => f.uid === uid)!;
  const closed = ctx.openFilmBox(fb);
  if (closed) return closed;
  const warnings: Warning[] = [];
  if (fb.imageBoxes.every((b) => !b.image))
    warnings.push({ status: 'FilmBoxEmptyPage', why: 'no image box holds an image' });
  return printAction(ctx, [fb], 'FilmBoxPrintQueueFull', warnings);
}

/**
 * Clamp Min/Max Density in place to the printer's range (docs/spec/rendering.md#density-range): any US value is valid,
 * one outside [min, max] takes the nearest end of it. Returns why, when it clamped (-> 0xB605), or
 * a failure when no range is left (Min >= Max once clamped: undefined by the standard -> 0x0106).
 */
export function clampDensities(ctx: PrintContext, attrs: DcmDataset): string | undefined | DimseReply {
  const range = ctx.caps.density;
  const why: string[] = [];
  for (const [tag, label] of [
    [Tag.MinDensity, 'Min Density'],
    [Tag.MaxDensity, 'Max Density'],
  ] as const) {
    const v = num(attrs, tag);
    if (v === undefined) continue;
    const clamped = Math.min(range.max, Math.max(range.min, v));
    if (clamped === v) continue;
    attrs[tag] = el.us(clamped);
    why.push(`${label} ${v} ${clamped > v ? 'raised' : 'lowered'} to ${clamped}`);
  }
  const l = num(attrs, Tag.MinDensity);
  const h = num(attrs, Tag.MaxDensity);
  if (l !== undefined && h !== undefined && l >= h) {
    const clamped = why.length > 0 ? ` (${why.join(', ')})` : '';
    return fail('InvalidAttributeValue', `Min Density ${l} is not below Max Density ${h}${clamped}`, {
      offendingElement: [tagNumber(Tag.MinDensity)],
    });
  }
  return why.length > 0 ? why.join(', ') : undefined;
}
