/**
 * The Image Box Pixel Presentation module of an image box N-SET (PS3.3 C.13.5): read the image
 * item and check it against PS3.4 and the printer. Nothing is dropped or truncated silently: a
 * mismatch between Rows x Columns x bytes and the Pixel Data length is refused.
 */
import { viewOf } from '../dicom/chunked-bytes.js';
import { type DcmDataset, keywordOf } from '../dicom/dimse/dataset.js';
import type { StatusName } from '../dicom/dimse/status.js';
import { SpilledValue } from '../dicom/spilled-value.js';
import { Tag } from '../dicom/tags.js';
import type { Capabilities } from '../profiles/capabilities.js';
import type { PrintImage } from './model.js';
import { bytes, num, str, tagLabel } from './values.js';

export interface PixelProblem {
  status: StatusName;
  errorComment: string;
  tag: string;
}

/** The image item's mandatory attributes (docs/spec/attributes.md#grayscale-image-box, all M/M): grayscale, then color. */
export const REQUIRED_GRAY: readonly string[] = [
  Tag.SamplesPerPixel,
  Tag.PhotometricInterpretation,
  Tag.Rows,
  Tag.Columns,
  Tag.BitsAllocated,
  Tag.BitsStored,
  Tag.HighBit,
  Tag.PixelRepresentation,
  Tag.PixelData,
];
export const REQUIRED_COLOR: readonly string[] = [...REQUIRED_GRAY, Tag.PlanarConfiguration];

function problem(status: StatusName, tag: string, why: string): PixelProblem {
  return { status, tag, errorComment: `${keywordOf(tag) ?? 'attribute'} ${tagLabel(tag)}: ${why}` };
}

function find(item: DcmDataset, tag: string): string | undefined {
  return tag in item ? tag : undefined;
}

/** Parse and check one image item; a PrintImage, or the problem to answer with. */
export function readImage(item: DcmDataset, color: boolean, c: Capabilities): PrintImage | PixelProblem {
  for (const t of color ? REQUIRED_COLOR : REQUIRED_GRAY) {
    if (find(item, t) === undefined)
      return problem('MissingAttribute', t, 'missing from the image sequence item');
  }
  const n = (t: string) => num(item, find(item, t)!) ?? Number.NaN;
  const spp = n(Tag.SamplesPerPixel);
  const photometric = str(item, find(item, Tag.PhotometricInterpretation)!) ?? '';
  const rows = n(Tag.Rows);
  const columns = n(Tag.Columns);
  const ba = n(Tag.BitsAllocated);
  const bs = n(Tag.BitsStored);
  const hb = n(Tag.HighBit);
  const pr = n(Tag.PixelRepresentation);
  if (color) {
    if (spp !== 3) return problem('InvalidAttributeValue', Tag.SamplesPerPixel, `${spp}, must be 3`);
    if (photometric !== 'RGB')
      return problem('InvalidAttributeValue', Tag.PhotometricInterpretation, `${photometric}, must be RGB`);
    const planar = n(Tag.PlanarConfiguration);
    // The module says 1; SCUs that send 0 (pixel interleave) are accepted and read accordingly.
    if (planar !== 0 && planar !== 1)
      return problem('InvalidAttributeValue', Tag.PlanarConfiguration, `${planar}, must be 1 (or 0)`);
    if (ba !== 8 || bs !== 8 || hb !== 7)
      return problem('InvalidAttributeValue', Tag.BitsAllocated, `BA/BS/HB ${ba}/${bs}/${hb}, must be 8/8/7`);
  } else {
    if (spp !== 1) return problem('InvalidAttributeValue', Tag.SamplesPerPixel, `${spp}, must be 1`);
    if (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2') {
      return problem(
        'InvalidAttributeValue',
        Tag.PhotometricInterpretation,
        `${photometric}, must be MONOCHROME1 or MONOCHROME2`,
      );
    }
    if (!(bs === 8 || bs === 12) || !c.bitsStored.includes(bs as 8 | 12)) {
      return problem(
        'InvalidAttributeValue',
        Tag.BitsStored,
        `${bs}, this printer takes ${c.bitsStored.join(' or ')}`,
      );
    }
    if ((bs === 8 && ba !== 8) || (bs === 12 && ba !== 16)) {
      return problem('InvalidAttributeValue', Tag.BitsAllocated, `${ba} does not go with Bits Stored ${bs}`);
    }
    if (hb !== bs - 1) return problem('InvalidAttributeValue', Tag.HighBit, `${hb}, must be ${bs - 1}`);
  }
  if (pr !== 0)
    return problem('InvalidAttributeValue', Tag.PixelRepresentation, `${pr}, must be 0 (unsigned)`);
  if (!Number.isInteger(rows) || rows < 1 || rows > 65535)
    return problem('InvalidAttributeValue', Tag.Rows, `${rows}`);
  if (!Number.isInteger(columns) || columns < 1 || columns > 65535)
    return problem('InvalidAttributeValue', Tag.Columns, `${columns}`);
  if (rows > c.maxImageSize.rows || columns > c.maxImageSize.columns) {
    return problem(
      'InvalidAttributeValue',
      Tag.Rows,
      `${columns}x${rows} exceeds this printer's largest image ${c.maxImageSize.columns}x${c.maxImageSize.rows}`,
    );
  }
  const raw = item[Tag.PixelData]?.Value?.[0];
  // Streamed to its staging file while it arrived: only its length is here.
  const pixels =
    raw instanceof SpilledValue ? raw : (bytes(item, find(item, Tag.PixelData)!) ?? Buffer.alloc(0));
  const expected = rows * columns * (color ? 3 : ba / 8);
  // An odd byte count is padded to even length on the wire (PS3.5 7.1.1).
  if (pixels.length !== expected && !(expected % 2 === 1 && pixels.length === expected + 1)) {
    return problem(
      'InvalidAttributeValue',
      Tag.PixelData,
      `${pixels.length} bytes, ${columns}x${rows} needs ${expected}`,
    );
  }
  const image: PrintImage = {
    rows,
    columns,
    samplesPerPixel: spp,
    photometricInterpretation: photometric,
    bitsAllocated: ba,
    bitsStored: bs,
    highBit: hb,
    pixelRepresentation: pr,
    // A streamed value keeps its pad byte on disk; the renderer reads rows x columns of it.
    pixels:
      pixels.length === expected || pixels instanceof SpilledValue ? pixels : viewOf(pixels, 0, expected),
  };
  if (color) image.planarConfiguration = n(Tag.PlanarConfiguration);
  const par = find(item, Tag.PixelAspectRatio);
  const ratio = par ? item[par]?.Value : undefined;
  if (Array.isArray(ratio) && ratio.length === 2)
    image.pixelAspectRatio = [Number(ratio[0]), Number(ratio[1])];
  const identity = identityOf(item);
  if (identity) image.identity = identity;
  return image;
}

/**
 * Patient and study attributes some SCUs send in the image item (not part of the module, but
 * harmless): kept, bounded, for the film's DICOM object (src/output/film-dicom.ts). Text values only.
 */
export const IDENTITY_TAGS: readonly string[] = [
  Tag.PatientName,
  Tag.PatientID,
  Tag.PatientBirthDate,
  Tag.PatientSex,
  Tag.StudyInstanceUID,
  Tag.StudyID,
  Tag.StudyDate,
  Tag.StudyTime,
  Tag.AccessionNumber,
  Tag.ReferringPhysicianName,
  Tag.StudyDescription,
];
/** Longer values are not identity (PN and LO hold at most 64 characters): left out. */
const IDENTITY_MAX_CHARS = 64;

function identityOf(item: DcmDataset): DcmDataset | undefined {
  const out: DcmDataset = {};
  for (const t of IDENTITY_TAGS) {
    const el = item[t];
    const v = el?.Value?.[0];
    const text =
      typeof v === 'string'
        ? v
        : v && typeof v === 'object' && 'Alphabetic' in v
          ? String(v.Alphabetic)
          : undefined;
    if (!el || text === undefined || text.length > IDENTITY_MAX_CHARS) continue;
    out[t] = { vr: el.vr, Value: [text] };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function isProblem(x: PrintImage | PixelProblem): x is PixelProblem {
  return 'status' in x;
}
