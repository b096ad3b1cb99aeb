/**
 * Basic Grayscale and Color Image Box SOP classes (PS3.4 H.4.3, H.4.4): N-SET places an image
 * in its box: pixel module checked, fit decided (decimate, crop, demagnify), densities clamped,
 * printer memory reserved and the pixels staged to disk.
 */
import { partsOf } from '../dicom/chunked-bytes.js';
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import type { DimseReply, DimseRequest } from '../dicom/service/service.js';
import { SpilledValue } from '../dicom/spilled-value.js';
import { Tag } from '../dicom/tags.js';
import { Uid } from '../dicom/uids.js';
import type { StagedImage } from '../store/staging.js';
import { StagingFile } from '../store/staging-file.js';
import { COLOR_IMAGE_BOX_RULES, GRAYSCALE_IMAGE_BOX_RULES, validate } from './attributes.js';
import { clampDensities } from './film-box.js';
import type { FilmBox, FitDecision, ImageBox, PrintImage } from './model.js';
import { isProblem, readImage } from './pixel-module.js';
import { lutReference } from './presentation-lut.js';
import type { PrintContext } from './print-context.js';
import { copyOf, fail, fromVerdict, keepAnswer, type Warning, warningReply, warningsOf } from './replies.js';
import { el, items, num, str, tagNumber } from './values.js';

export function setImageBox(ctx: PrintContext, req: DimseRequest): DimseReply {
  const uid = ctx.lookup(req, 'image-box');
  if (typeof uid !== 'string') return uid;
  const fb = ctx.session!.filmBoxes.find((f) => f.imageBoxes.some((b) => b.uid === uid))!;
  const closed = ctx.openFilmBox(fb);
  if (closed) return closed;
  if (fb.printed && !ctx.caps.quirks.lenientFilmBoxOrder)
    return fail('ProcessingFailure', 'the film box was already printed');
  const box = fb.imageBoxes.find((b) => b.uid === uid)!;
  // The data directory's volume is below --min-free-space: no image would be kept.
  const shortage = ctx.printer.spaceShortage?.();
  if (shortage) return keepAnswer(box, fail('InsufficientMemory', shortage, { cause: shortage }));
  // Another image of this film could not be stored: the disk is failing, this one would not keep either.
  const lost = fb.imageBoxes.find((b) => b !== box && b.staged?.error);
  if (lost)
    return keepAnswer(
      box,
      fail(
        'ResourceLimitation',
        `image ${lost.position} not stored: ${lost.staged!.error!.code ?? lost.staged!.error!.message}`,
        { cause: 'disk: an image of this film could not be stored' },
      ),
    );
  const color = box.sopClassUid === Uid.BasicColorImageBox;
  const ds = req.dataset ?? {};
  const rules = color ? COLOR_IMAGE_BOX_RULES : GRAYSCALE_IMAGE_BOX_RULES;
  const v = validate(
    ds,
    rules,
    ctx.caps,
    'set',
    color ? 'Basic Color Image Box' : 'Basic Grayscale Image Box',
  );
  if (v.failure) return keepAnswer(box, fromVerdict(v.failure));
  const position = num(ds, Tag.ImageBoxPosition);
  if (position !== box.position) {
    return keepAnswer(
      box,
      fail('InvalidAttributeValue', `Image Box Position ${position}, this box is position ${box.position}`, {
        offendingElement: [tagNumber(Tag.ImageBoxPosition)],
      }),
    );
  }
  const seqTag = color ? Tag.BasicColorImageSequence : Tag.BasicGrayscaleImageSequence;
  const list = items(ds, seqTag);
  if (list.length > 1) {
    return keepAnswer(
      box,
      fail('InvalidAttributeValue', `${list.length} items in the image sequence, at most 1`, {
        offendingElement: [tagNumber(seqTag)],
      }),
    );
  }
  const lut = color ? undefined : lutReference(ctx, ds);
  if (typeof lut === 'object') return keepAnswer(box, lut);
  const attributes = { ...box.attributes, ...copyOf(ds, rules) };
  delete attributes[seqTag];
  const warnings = warningsOf(v);

  if (list.length === 0) {
    // PS3.4 H.4.3.1: an empty sequence erases the image in this position.
    if (box.image) ctx.printer.release(box.image.pixels.length);
    box.image = undefined;
    if (box.staged) ctx.printer.store.staging.discard(box.staged);
    box.staged = undefined;
    box.fit = undefined;
    box.attributes = attributes;
    return keepAnswer(box, warningReply(warnings));
  }
  const image = readImage(list[0]!, color, ctx.caps);
  if (isProblem(image)) {
    const extra =
      image.status === 'MissingAttribute'
        ? { attributeIdentifierList: [tagNumber(image.tag)] }
        : { offendingElement: [tagNumber(image.tag)] };
    return keepAnswer(box, fail(image.status, image.errorComment, extra));
  }
  const fit = fitImage(ctx, fb, box, attributes, image.columns, image.rows);
  if ('status' in fit) return keepAnswer(box, fit);
  let clamped: string | undefined;
  let minD: number | undefined;
  let maxD: number | undefined;
  if (!color) {
    const d = effectiveDensities(ctx, fb, attributes);
    if (typeof d === 'object' && 'status' in d) return keepAnswer(box, d);
    ({ min: minD, max: maxD, clamped } = d);
  }
  const previous = box.image?.pixels.length ?? 0;
  if (!ctx.printer.reserve(image.pixels.length, previous)) {
    return keepAnswer(
      box,
      fail(
        'InsufficientMemory',
        `printer memory full: ${image.pixels.length} more bytes do not fit in ${ctx.caps.memoryBytes}`,
      ),
    );
  }
  const staged = stagedOf(ctx, image.pixels);
  if ('status' in staged) {
    ctx.printer.reserve(previous, image.pixels.length); // undo: the box keeps what it had
    return keepAnswer(box, staged);
  }
  box.image = image;
  if (box.staged) ctx.printer.store.staging.discard(box.staged);
  box.staged = staged;
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
  return keepAnswer(box, warningReply(warnings));
}

/**
 * The image's pixels on their way to disk. Streamed ones are already being written (their staging
 * file is claimed from the connection, which would otherwise drop it); others are written now, in
 * the background, while the modality sends the next box: printing then only links them.
 */
function stagedOf(ctx: PrintContext, pixels: PrintImage['pixels']): StagedImage | DimseReply {
  if (!(pixels instanceof SpilledValue))
    return ctx.printer.store.staging.stage(partsOf(pixels), pixels.length);
  const sink = pixels.claim();
  if (!(sink instanceof StagingFile)) return fail('ProcessingFailure', 'streamed image has no staging file');
  const s = sink.staged;
  // The disk already failed while the image arrived (ENOSPC...): it is not kept, say so now.
  if (s.error) return fail('ResourceLimitation', `image not stored: ${s.error.code ?? s.error.message}`);
  return s;
}

/**
 * Does the image fit its box? Box pixels come from the film's pixel matrix; Requested Image Size
 * (mm) asks for a true size. Too large: decimate, crop, demagnify or fail, per Requested
 * Decimate/Crop Behavior when the printer honours it, else per its default (docs/spec/rendering.md#fitting).
 */
function fitImage(
  ctx: PrintContext,
  fb: FilmBox,
  box: ImageBox,
  attrs: DcmDataset,
  columns: number,
  rows: number,
): { decision: FitDecision; warning?: Warning } | DimseReply {
  const requestedMm = num(attrs, Tag.RequestedImageSize);
  let needW = columns;
  let needH = rows;
  if (requestedMm !== undefined) {
    needW = Math.round((requestedMm / 25.4) * fb.matrix.dpi);
    needH = Math.round((needW * rows) / columns);
  }
  if (needW <= box.rect.width && needH <= box.rect.height) return { decision: 'fits' };
  const c = ctx.caps;
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
function effectiveDensities(
  ctx: PrintContext,
  fb: FilmBox,
  attrs: DcmDataset,
): { min: number; max: number; clamped?: string } | DimseReply {
  const probe: DcmDataset = {
    [Tag.MinDensity]: attrs[Tag.MinDensity] ?? fb.attributes[Tag.MinDensity]!,
    [Tag.MaxDensity]: attrs[Tag.MaxDensity] ?? fb.attributes[Tag.MaxDensity]!,
  };
  const boxSet = Tag.MinDensity in attrs || Tag.MaxDensity in attrs;
  const clamp = clampDensities(ctx, probe);
  if (typeof clamp === 'object') return clamp;
  return {
    min: num(probe, Tag.MinDensity)!,
    max: num(probe, Tag.MaxDensity)!,
    clamped: boxSet ? clamp : undefined,
  };
}
