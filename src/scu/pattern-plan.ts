/**
 * A QA test pattern (src/qa/patterns.ts) as a print session for any printer: N-GET Printer, a
 * Presentation LUT when one is asked for, Film Session, Film Box with the film's conditions (Min
 * and Max Density, Illumination, Reflected Ambient Light: what the density report's targets come
 * from), the pattern in every image box of the display format, N-ACTION, N-DELETE. The printer
 * creates the instances; the plan names them with stand-ins the runner maps (uid-map.ts). Pure.
 */
import type { DcmDataset, RecordedAttribute } from '../dicom/dimse/dataset.js';
import { recordDataset } from '../dicom/dimse/dataset.js';
import { Tag } from '../dicom/tags.js';
import { Uid } from '../dicom/uids.js';
import { el } from '../print/values.js';
import { PATTERNS, type PatternImage } from '../qa/patterns.js';
import type { Plan, Step } from './plan.js';
import { ScuError } from './scu-error.js';

/** How the pattern is printed; absent attributes are not sent (the printer's defaults apply). */
export interface PatternPrintOptions {
  /** STANDARD\C,R, ROW\.. or COL\..: the pattern goes in every box. Default STANDARD\1,1. */
  displayFormat?: string;
  filmSize?: string;
  filmOrientation?: 'PORTRAIT' | 'LANDSCAPE';
  magnificationType?: string;
  mediumType?: string;
  copies?: number;
  /** Hundredths of OD, as the Film Box takes them. */
  minDensity?: number;
  maxDensity?: number;
  /** cd/m² */
  illumination?: number;
  reflectedAmbientLight?: number;
  polarity?: 'NORMAL' | 'REVERSE';
  /** A Presentation LUT of this shape, referenced by the Film Box. */
  presentationLut?: 'IDENTITY' | 'LIN OD';
  callingAeTitle?: string;
}

/** Image boxes of one film at most, and all their pixel data (the same image in each) at most. */
export const MAX_PATTERN_BOXES = 64;
export const MAX_PATTERN_BYTES = 256 * 1024 * 1024;

const FILM_SESSION = 'pattern-film-session';
/** The stand-in for the Film Box the printer creates: run.uids maps it to the printer's UID. */
export const PATTERN_FILM_BOX = 'pattern-film-box';
const LUT = 'pattern-presentation-lut';
const imageBox = (i: number) => `pattern-image-box-${i}`;

/** Boxes of a display format whose count the printer does not decide (not SLIDE, SUPERSLIDE, CUSTOM). */
export function patternBoxes(format: string): number {
  const m = /^(STANDARD|ROW|COL)\\([1-9][0-9]{0,2}(?:,[1-9][0-9]{0,2})*)$/.exec(format);
  const n = (m?.[2] ?? '').split(',').map(Number);
  if (!m || (m[1] === 'STANDARD' && n.length !== 2))
    throw new ScuError('usage', `display format "${format}": STANDARD\\C,R, ROW\\R1,R2.. or COL\\C1,C2..`);
  const boxes = m[1] === 'STANDARD' ? n[0]! * n[1]! : n.reduce((a, b) => a + b, 0);
  if (boxes > MAX_PATTERN_BOXES)
    throw new ScuError(
      'usage',
      `display format "${format}" has ${boxes} boxes; at most ${MAX_PATTERN_BOXES}`,
    );
  return boxes;
}

function imageItem(p: PatternImage): DcmDataset {
  const pixels =
    p.bits === 8
      ? Uint8Array.from(p.pixels)
      : new Uint8Array(p.pixels.buffer, p.pixels.byteOffset, p.pixels.byteLength);
  return {
    [Tag.SamplesPerPixel]: el.us(1),
    [Tag.PhotometricInterpretation]: el.cs('MONOCHROME2'),
    [Tag.Rows]: el.us(p.rows),
    [Tag.Columns]: el.us(p.columns),
    [Tag.BitsAllocated]: el.us(p.bits === 8 ? 8 : 16),
    [Tag.BitsStored]: el.us(p.bits),
    [Tag.HighBit]: el.us(p.bits - 1),
    [Tag.PixelRepresentation]: el.us(0),
    [Tag.PixelData]: { vr: p.bits === 8 ? 'OB' : 'OW', Value: [pixels] },
  };
}

function filmBoxDataset(o: PatternPrintOptions, format: string): DcmDataset {
  const ds: DcmDataset = {
    [Tag.ImageDisplayFormat]: { vr: 'ST', Value: [format] },
    [Tag.ReferencedFilmSessionSequence]: el.sq([el.ref(Uid.BasicFilmSession, FILM_SESSION)]),
  };
  if (o.filmSize) ds[Tag.FilmSizeID] = el.cs(o.filmSize);
  if (o.filmOrientation) ds[Tag.FilmOrientation] = el.cs(o.filmOrientation);
  if (o.magnificationType) ds[Tag.MagnificationType] = el.cs(o.magnificationType);
  if (o.minDensity !== undefined) ds[Tag.MinDensity] = el.us(o.minDensity);
  if (o.maxDensity !== undefined) ds[Tag.MaxDensity] = el.us(o.maxDensity);
  if (o.illumination !== undefined) ds[Tag.Illumination] = el.us(o.illumination);
  if (o.reflectedAmbientLight !== undefined) ds[Tag.ReflectedAmbientLight] = el.us(o.reflectedAmbientLight);
  if (o.presentationLut)
    ds[Tag.ReferencedPresentationLUTSequence] = el.sq([el.ref(Uid.PresentationLut, LUT)]);
  return ds;
}

export function planFromPattern(p: PatternImage, o: PatternPrintOptions = {}): Plan {
  const format = o.displayFormat ?? 'STANDARD\\1,1';
  const boxes = patternBoxes(format);
  if (boxes * p.pixels.length * (p.bits === 8 ? 1 : 2) > MAX_PATTERN_BYTES)
    throw new ScuError(
      'usage',
      `${boxes} boxes of ${p.rows}x${p.columns} ${p.bits}-bit pixels exceed ${MAX_PATTERN_BYTES >> 20} MiB`,
    );
  const meta = Uid.BasicGrayscalePrintManagementMeta;
  const steps: Step[] = [
    {
      operation: 'N-GET',
      sopClassUid: Uid.Printer,
      context: meta,
      instance: Uid.PrinterInstance,
      optional: true,
    },
  ];
  if (o.presentationLut)
    steps.push({
      operation: 'N-CREATE',
      sopClassUid: Uid.PresentationLut,
      context: Uid.PresentationLut,
      dataset: { [Tag.PresentationLUTShape]: el.cs(o.presentationLut) },
      optional: true,
      original: { sopInstance: LUT },
    });
  const session: DcmDataset = {};
  if (o.copies !== undefined) session[Tag.NumberOfCopies] = el.is(o.copies);
  if (o.mediumType) session[Tag.MediumType] = el.cs(o.mediumType);
  steps.push({
    operation: 'N-CREATE',
    sopClassUid: Uid.BasicFilmSession,
    context: meta,
    dataset: session,
    original: { sopInstance: FILM_SESSION },
  });
  const positions = Array.from({ length: boxes }, (_, i) => i + 1);
  // Stand-ins for the image boxes the printer creates, in the order its response lists them.
  const created: DcmDataset = {
    [Tag.ReferencedImageBoxSequence]: el.sq(
      positions.map((i) => el.ref(Uid.BasicGrayscaleImageBox, imageBox(i))),
    ),
  };
  steps.push({
    operation: 'N-CREATE',
    sopClassUid: Uid.BasicFilmBox,
    context: meta,
    dataset: filmBoxDataset(o, format),
    original: { sopInstance: PATTERN_FILM_BOX, attributes: recordDataset(created) as RecordedAttribute[] },
  });
  const item = imageItem(p);
  for (const i of positions) {
    const box: DcmDataset = {
      [Tag.ImageBoxPosition]: el.us(i),
      [Tag.BasicGrayscaleImageSequence]: el.sq([item]),
    };
    if (o.polarity) box[Tag.Polarity] = el.cs(o.polarity);
    steps.push({
      operation: 'N-SET',
      sopClassUid: Uid.BasicGrayscaleImageBox,
      context: meta,
      instance: imageBox(i),
      dataset: box,
    });
  }
  steps.push(
    {
      operation: 'N-ACTION',
      sopClassUid: Uid.BasicFilmBox,
      context: meta,
      instance: PATTERN_FILM_BOX,
      actionTypeId: 1,
    },
    { operation: 'N-DELETE', sopClassUid: Uid.BasicFilmSession, context: meta, instance: FILM_SESSION },
  );
  return {
    source: `pattern ${p.name} (${p.bits}-bit ${p.rows}x${p.columns}, ${format})`,
    callingAeTitle: o.callingAeTitle ?? 'LIGHTBOX',
    contexts: [
      { abstractSyntax: meta },
      { abstractSyntax: Uid.PresentationLut },
      { abstractSyntax: Uid.PrintJob },
      { abstractSyntax: Uid.Printer },
    ],
    steps,
    notes: [`${PATTERNS[p.name].title}`],
  };
}
