/**
 * A stored film (film.json and its pixel files, src/print/spool.ts) as a print session to send to
 * another printer: N-GET Printer, the Presentation LUT, Film Session, Film Box (what the SCU asked
 * for when the association record still has it, else the film's attributes), each image box with
 * its image, the annotations, N-ACTION print, N-DELETE. The film's own UIDs stand for those the
 * new printer creates (uid-map.ts rewrites them). Pure: the caller reads the files.
 */
import type { DcmDataset, RecordedAttribute } from '../dicom/dimse/dataset.js';
import { recordDataset } from '../dicom/dimse/dataset.js';
import { Tag } from '../dicom/tags.js';
import { Uid } from '../dicom/uids.js';
import type { FilmRecord } from '../print/spool.js';
import { el } from '../print/values.js';
import type { Plan, Step } from './plan.js';

/**
 * Every SOP class a stored film's plan may request or hear events of (the conformance statement's
 * SCU role in tee mode): the contexts below, and the classes used on the meta ones.
 */
export const FILM_PLAN_SOP_CLASSES: readonly string[] = [
  Uid.BasicGrayscalePrintManagementMeta,
  Uid.BasicColorPrintManagementMeta,
  Uid.BasicFilmSession,
  Uid.BasicFilmBox,
  Uid.BasicGrayscaleImageBox,
  Uid.BasicColorImageBox,
  Uid.PresentationLut,
  Uid.BasicAnnotationBox,
  Uid.PrintJob,
  Uid.Printer,
];

export interface FilmPlanInput {
  /** The film id (its directory name). */
  id: string;
  film: FilmRecord;
  /** An image box's pixel bytes, by position. */
  pixels(position: number): Uint8Array;
  /** What the SCU sent in its N-CREATEs, when known (see requestedAttributes). */
  requested?: { filmSession?: DcmDataset; filmBox?: DcmDataset };
  callingAeTitle?: string;
}

const annotationUid = (i: number) => `annotation-box-${i + 1}`;

function imageItem(
  image: NonNullable<FilmRecord['imageBoxes'][number]['image']>,
  pixels: Uint8Array,
): DcmDataset {
  const ds: DcmDataset = {
    [Tag.SamplesPerPixel]: el.us(image.samplesPerPixel),
    [Tag.PhotometricInterpretation]: el.cs(image.photometricInterpretation),
    [Tag.Rows]: el.us(image.rows),
    [Tag.Columns]: el.us(image.columns),
    [Tag.BitsAllocated]: el.us(image.bitsAllocated),
    [Tag.BitsStored]: el.us(image.bitsStored),
    [Tag.HighBit]: el.us(image.highBit),
    [Tag.PixelRepresentation]: el.us(image.pixelRepresentation),
    [Tag.PixelData]: { vr: image.bitsAllocated > 8 ? 'OW' : 'OB', Value: [pixels] },
  };
  if (image.planarConfiguration !== undefined) ds[Tag.PlanarConfiguration] = el.us(image.planarConfiguration);
  if (image.pixelAspectRatio) ds[Tag.PixelAspectRatio] = { vr: 'IS', Value: [...image.pixelAspectRatio] };
  return ds;
}

export function planFromFilm(input: FilmPlanInput): Plan {
  const { film } = input;
  const color = film.imageBoxes.some((b) => b.sopClassUid === Uid.BasicColorImageBox);
  const meta = color ? Uid.BasicColorPrintManagementMeta : Uid.BasicGrayscalePrintManagementMeta;
  const steps: Step[] = [];
  steps.push({
    operation: 'N-GET',
    sopClassUid: Uid.Printer,
    context: meta,
    instance: Uid.PrinterInstance,
    optional: true,
  });
  const lutUid = film.filmBox.presentationLutUid;
  if (film.presentationLut && lutUid) {
    const lut: DcmDataset = {};
    const p = film.presentationLut;
    if (p.shape) lut[Tag.PresentationLUTShape] = el.cs(p.shape);
    else if (p.descriptor && p.data)
      lut[Tag.PresentationLUTSequence] = el.sq([
        {
          [Tag.LUTDescriptor]: { vr: 'US', Value: [...p.descriptor] },
          [Tag.LUTData]: { vr: 'US', Value: [...p.data] },
        },
      ]);
    steps.push({
      operation: 'N-CREATE',
      sopClassUid: Uid.PresentationLut,
      context: Uid.PresentationLut,
      dataset: lut,
      optional: true,
      original: { sopInstance: lutUid },
    });
  }
  steps.push({
    operation: 'N-CREATE',
    sopClassUid: Uid.BasicFilmSession,
    context: meta,
    dataset: input.requested?.filmSession ?? film.filmSession.attributes,
    original: { sopInstance: film.filmSession.uid },
  });
  const boxes = [...film.imageBoxes].sort((a, b) => a.position - b.position);
  const filmBox: DcmDataset = { ...(input.requested?.filmBox ?? film.filmBox.attributes) };
  filmBox[Tag.ReferencedFilmSessionSequence] = el.sq([el.ref(Uid.BasicFilmSession, film.filmSession.uid)]);
  if (lutUid && !filmBox[Tag.ReferencedPresentationLUTSequence])
    filmBox[Tag.ReferencedPresentationLUTSequence] = el.sq([el.ref(Uid.PresentationLut, lutUid)]);
  // Stand-ins for the boxes the new printer creates, in the order its response lists them.
  const created: DcmDataset = {
    [Tag.ReferencedImageBoxSequence]: el.sq(boxes.map((b) => el.ref(b.sopClassUid, b.uid))),
    [Tag.ReferencedBasicAnnotationBoxSequence]: el.sq(
      film.annotations.map((_, i) => el.ref(Uid.BasicAnnotationBox, annotationUid(i))),
    ),
  };
  steps.push({
    operation: 'N-CREATE',
    sopClassUid: Uid.BasicFilmBox,
    context: meta,
    dataset: filmBox,
    original: { sopInstance: film.filmBox.uid, attributes: recordDataset(created) as RecordedAttribute[] },
  });
  for (const b of boxes) {
    if (!b.image) continue;
    const seq =
      b.sopClassUid === Uid.BasicColorImageBox
        ? Tag.BasicColorImageSequence
        : Tag.BasicGrayscaleImageSequence;
    steps.push({
      operation: 'N-SET',
      sopClassUid: b.sopClassUid,
      context: meta,
      instance: b.uid,
      dataset: { ...b.attributes, [seq]: el.sq([imageItem(b.image, input.pixels(b.position))]) },
    });
  }
  film.annotations.forEach((a, i) => {
    steps.push({
      operation: 'N-SET',
      sopClassUid: Uid.BasicAnnotationBox,
      context: Uid.BasicAnnotationBox,
      instance: annotationUid(i),
      dataset: { [Tag.AnnotationPosition]: el.us(a.position), [Tag.TextString]: el.lo(a.text) },
      optional: true,
    });
  });
  steps.push({
    operation: 'N-ACTION',
    sopClassUid: Uid.BasicFilmBox,
    context: meta,
    instance: film.filmBox.uid,
    actionTypeId: 1,
  });
  steps.push({
    operation: 'N-DELETE',
    sopClassUid: Uid.BasicFilmSession,
    context: meta,
    instance: film.filmSession.uid,
  });
  return {
    source: `film ${input.id}`,
    callingAeTitle: input.callingAeTitle ?? 'LIGHTBOX',
    contexts: [
      { abstractSyntax: meta },
      { abstractSyntax: Uid.PresentationLut },
      { abstractSyntax: Uid.BasicAnnotationBox },
      { abstractSyntax: Uid.PrintJob },
      { abstractSyntax: Uid.Printer },
    ],
    steps,
    notes: [],
  };
}
