/**
 * A printed film as a DICOM Secondary Capture image (pure: the data set; pixels come from the
 * caller). One frame of a multi-frame SC IOD, which says what a film is better than the old SC
 * Image: Presentation LUT Shape IDENTITY (the values are presentation values, ready to show),
 * Illumination and Reflected Ambient Light (the light box the film was rendered for), Burned In
 * Annotation YES (annotation and stamp texts are in the pixels), Pixel Spacing from the printer's
 * resolution (the film's true size, the pixel matrix the printer exposed), Modality HC (hard copy).
 *   depth 8, grey   Grayscale Byte SC, MONOCHROME2: film.png, what a viewer sees on a light box.
 *   depth 16, grey  Grayscale Word SC, MONOCHROME2: the same presentation values at 16 bits, from
 *                   the film's densities (density.png) through the same light box (finer steps).
 *   color films     True Color SC, RGB: film.png.
 * Identity (docs/film-out.md): Patient and Study attributes from the printed images when the SCU
 * sent them in the image items and the images agree, else empty patient attributes and a new
 * Study per print job; always a new Series per print job. Every UID is derived from the job or the
 * film (2.25 + a hash), so the same film gives the same object whenever it is made or sent again.
 */
import { createHash } from 'node:crypto';
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import { Tag } from '../dicom/tags.js';
import { Uid } from '../dicom/uids.js';
import type { FilmRecord } from '../print/spool.js';
import { str } from '../print/values.js';
import type { RenderRecord } from '../render/film.js';

export type FilmDepth = 8 | 16;

/** Who made the films' DICOM objects (Manufacturer, Secondary Capture Device Manufacturer). */
export const SOFTWARE = 'Lightbox';

export interface FilmDicomInput {
  id: string;
  film: FilmRecord;
  render: RenderRecord;
  /** 8: presentation values as film.png holds them; 16: the same at 16 bits (grey films only). */
  depth: FilmDepth;
  color: boolean;
  /** Who made the object (Manufacturer, device). */
  software: string;
}

/** A UID under 2.25 derived from `seed` (PS3.5 B.2): 128 bits of its SHA-256. */
export function derivedUid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex').slice(0, 32);
  return `2.25.${BigInt(`0x${hex}`).toString()}`;
}

const text = (vr: string, v: string | undefined): DcmDataset[string] => ({
  vr,
  // Written as ISO_IR 100: anything outside Latin-1 is shown as '?'; one value (no backslash).
  Value: v === undefined || v === '' ? [] : [v.replace(/[^\u0020-\u00ff]/g, '?').replace(/\\/g, ' ')],
});
const us = (v: number) => ({ vr: 'US', Value: [v] });
const da = (iso: string) => iso.slice(0, 10).replace(/-/g, '');
const tm = (iso: string) => iso.slice(11, 19).replace(/:/g, '');

/** The patient and study attributes of the film's images, when every image that names them agrees. */
function sharedIdentity(film: FilmRecord): DcmDataset {
  const ids = film.imageBoxes.map((b) => (b.image as { identity?: DcmDataset } | undefined)?.identity);
  const named = ids.filter((x): x is DcmDataset => x !== undefined);
  if (named.length === 0) return {};
  const key = (d: DcmDataset) =>
    JSON.stringify([d[Tag.PatientID]?.Value, d[Tag.PatientName]?.Value, d[Tag.StudyInstanceUID]?.Value]);
  const first = named[0]!;
  return named.every((d) => key(d) === key(first)) ? first : {};
}

export function sopClassFor(depth: FilmDepth, color: boolean): string {
  if (color) return Uid.MultiFrameTrueColorSecondaryCaptureImageStorage;
  return depth === 16
    ? Uid.MultiFrameGrayscaleWordSecondaryCaptureImageStorage
    : Uid.MultiFrameGrayscaleByteSecondaryCaptureImageStorage;
}

/** The film's object, every attribute but Pixel Data. */
export function filmDataset(o: FilmDicomInput): DcmDataset {
  const { film, render } = o;
  const fa = film.filmBox.attributes;
  const id = sharedIdentity(film);
  const label = str(film.filmSession.attributes, Tag.FilmSessionLabel);
  const jobAt = film.job.createdAt;
  const studyUid = str(id, Tag.StudyInstanceUID) ?? derivedUid(`lightbox study ${film.job.uid}`);
  const fromImages = (tag: string) => str(id, tag);
  const index = Number(/-(\d+)$/.exec(o.id)?.[1] ?? '0');
  const spacing = (25.4 / render.dpi).toFixed(6);
  const grey = !o.color;
  const deep = grey && o.depth === 16;
  const sizeId = str(fa, Tag.FilmSizeID) ?? '';
  const format = str(fa, Tag.ImageDisplayFormat) ?? '';
  const ds: DcmDataset = {
    [Tag.SpecificCharacterSet]: { vr: 'CS', Value: ['ISO_IR 100'] },
    [Tag.ImageType]: { vr: 'CS', Value: ['DERIVED', 'SECONDARY'] },
    [Tag.InstanceCreationDate]: text('DA', da(film.printedAt)),
    [Tag.InstanceCreationTime]: text('TM', tm(film.printedAt)),
    [Tag.SOPClassUID]: { vr: 'UI', Value: [sopClassFor(o.depth, o.color)] },
    [Tag.SOPInstanceUID]: { vr: 'UI', Value: [derivedUid(`lightbox film ${o.id} ${o.depth}`)] },
    [Tag.StudyDate]: text('DA', fromImages(Tag.StudyDate) ?? da(jobAt)),
    [Tag.StudyTime]: text('TM', fromImages(Tag.StudyTime) ?? tm(jobAt)),
    [Tag.SeriesDate]: text('DA', da(jobAt)),
    [Tag.SeriesTime]: text('TM', tm(jobAt)),
    [Tag.ContentDate]: text('DA', da(film.printedAt)),
    [Tag.ContentTime]: text('TM', tm(film.printedAt)),
    [Tag.AccessionNumber]: text('SH', fromImages(Tag.AccessionNumber)),
    [Tag.Modality]: { vr: 'CS', Value: ['HC'] },
    [Tag.ConversionType]: { vr: 'CS', Value: ['WSD'] },
    [Tag.Manufacturer]: text('LO', o.software),
    [Tag.ReferringPhysicianName]: text('PN', fromImages(Tag.ReferringPhysicianName)),
    [Tag.StudyDescription]: text('LO', fromImages(Tag.StudyDescription) ?? label ?? 'Printed films'),
    [Tag.SeriesDescription]: text('LO', `Film ${sizeId} ${format} from ${film.callingAeTitle}`.slice(0, 64)),
    [Tag.OperatorsName]: text('PN', str(film.filmSession.attributes, Tag.OwnerID)),
    [Tag.DerivationDescription]: text(
      'ST',
      `Film ${o.id} printed by ${film.printer.aeTitle} for ${film.callingAeTitle}${label ? `, session "${label}"` : ''}; ${
        deep
          ? '16-bit presentation values from the film densities'
          : 'presentation values as viewed on a light box'
      }`,
    ),
    [Tag.PatientName]: text('PN', fromImages(Tag.PatientName)),
    [Tag.PatientID]: text('LO', fromImages(Tag.PatientID)),
    [Tag.PatientBirthDate]: text('DA', fromImages(Tag.PatientBirthDate)),
    [Tag.PatientSex]: text('CS', fromImages(Tag.PatientSex)),
    [Tag.DateOfSecondaryCapture]: text('DA', da(film.printedAt)),
    [Tag.TimeOfSecondaryCapture]: text('TM', tm(film.printedAt)),
    [Tag.SecondaryCaptureDeviceManufacturer]: text('LO', o.software),
    [Tag.SecondaryCaptureDeviceManufacturerModelName]: text('LO', film.printer.name),
    [Tag.StudyInstanceUID]: { vr: 'UI', Value: [studyUid] },
    [Tag.SeriesInstanceUID]: { vr: 'UI', Value: [derivedUid(`lightbox series ${film.job.uid}`)] },
    [Tag.StudyID]: text('SH', fromImages(Tag.StudyID)),
    [Tag.SeriesNumber]: { vr: 'IS', Value: ['1'] },
    [Tag.InstanceNumber]: { vr: 'IS', Value: [String(index + 1)] },
    [Tag.PatientOrientation]: text('CS', undefined),
    [Tag.Laterality]: text('CS', undefined),
    [Tag.SamplesPerPixel]: us(grey ? 1 : 3),
    [Tag.PhotometricInterpretation]: { vr: 'CS', Value: [grey ? 'MONOCHROME2' : 'RGB'] },
    [Tag.NumberOfFrames]: { vr: 'IS', Value: ['1'] },
    [Tag.Rows]: us(render.height),
    [Tag.Columns]: us(render.width),
    [Tag.PixelSpacing]: { vr: 'DS', Value: [spacing, spacing] },
    [Tag.BitsAllocated]: us(deep ? 16 : 8),
    [Tag.BitsStored]: us(deep ? 16 : 8),
    [Tag.HighBit]: us(deep ? 15 : 7),
    [Tag.PixelRepresentation]: us(0),
    [Tag.BurnedInAnnotation]: { vr: 'CS', Value: ['YES'] },
  };
  if (grey) {
    ds[Tag.RescaleIntercept] = { vr: 'DS', Value: ['0'] };
    ds[Tag.RescaleSlope] = { vr: 'DS', Value: ['1'] };
    ds[Tag.RescaleType] = { vr: 'LO', Value: ['US'] };
    ds[Tag.PresentationLUTShape] = { vr: 'CS', Value: ['IDENTITY'] };
    ds[Tag.Illumination] = us(render.viewing.illumination);
    ds[Tag.ReflectedAmbientLight] = us(render.viewing.reflectedAmbient);
  } else ds[Tag.PlanarConfiguration] = us(0);
  return ds;
}
