/**
 * The Image Box Pixel Presentation module of an image box N-SET (PS3.3 C.13.5): read the image
 * item and check it against PS3.4 and the printer. Nothing is dropped or truncated silently: a
 * mismatch between Rows x Columns x bytes and the Pixel Data length is refused.
 */
import { viewOf } from '../dicom/chunked-bytes.js';
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import type { StatusName } from '../dicom/dimse/status.js';
import type { Capabilities } from '../profiles/capabilities.js';
import type { PrintImage } from './model.js';
import { bytes, num, str, tagLabel } from './values.js';

export interface PixelProblem {
  status: StatusName;
  errorComment: string;
  tag: string;
}

/** The image item's mandatory attributes (spec digest 4.3/4.4, all M/M): grayscale, then color. */
export const REQUIRED_GRAY: readonly string[] = [
  '00280002',
  '00280004',
  '00280010',
  '00280011',
  '00280100',
  '00280101',
  '00280102',
  '00280103',
  '7FE00010',
];
export const REQUIRED_COLOR: readonly string[] = [...REQUIRED_GRAY, '00280006'];

const NAMES: Record<string, string> = {
  '00280002': 'SamplesPerPixel',
  '00280004': 'PhotometricInterpretation',
  '00280006': 'PlanarConfiguration',
  '00280010': 'Rows',
  '00280011': 'Columns',
  '00280100': 'BitsAllocated',
  '00280101': 'BitsStored',
  '00280102': 'HighBit',
  '00280103': 'PixelRepresentation',
  '7FE00010': 'PixelData',
};

function problem(status: StatusName, tag: string, why: string): PixelProblem {
  return { status, tag, errorComment: `${NAMES[tag] ?? 'attribute'} ${tagLabel(tag)}: ${why}` };
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
  const spp = n('00280002');
  const photometric = str(item, find(item, '00280004')!) ?? '';
  const rows = n('00280010');
  const columns = n('00280011');
  const ba = n('00280100');
  const bs = n('00280101');
  const hb = n('00280102');
  const pr = n('00280103');
  if (color) {
    if (spp !== 3) return problem('InvalidAttributeValue', '00280002', `${spp}, must be 3`);
    if (photometric !== 'RGB')
      return problem('InvalidAttributeValue', '00280004', `${photometric}, must be RGB`);
    const planar = n('00280006');
    // The module says 1; SCUs that send 0 (pixel interleave) are accepted and read accordingly.
    if (planar !== 0 && planar !== 1)
      return problem('InvalidAttributeValue', '00280006', `${planar}, must be 1 (or 0)`);
    if (ba !== 8 || bs !== 8 || hb !== 7)
      return problem('InvalidAttributeValue', '00280100', `BA/BS/HB ${ba}/${bs}/${hb}, must be 8/8/7`);
  } else {
    if (spp !== 1) return problem('InvalidAttributeValue', '00280002', `${spp}, must be 1`);
    if (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2') {
      return problem(
        'InvalidAttributeValue',
        '00280004',
        `${photometric}, must be MONOCHROME1 or MONOCHROME2`,
      );
    }
    if (!(bs === 8 || bs === 12) || !c.bitsStored.includes(bs as 8 | 12)) {
      return problem(
        'InvalidAttributeValue',
        '00280101',
        `${bs}, this printer takes ${c.bitsStored.join(' or ')}`,
      );
    }
    if ((bs === 8 && ba !== 8) || (bs === 12 && ba !== 16)) {
      return problem('InvalidAttributeValue', '00280100', `${ba} does not go with Bits Stored ${bs}`);
    }
    if (hb !== bs - 1) return problem('InvalidAttributeValue', '00280102', `${hb}, must be ${bs - 1}`);
  }
  if (pr !== 0) return problem('InvalidAttributeValue', '00280103', `${pr}, must be 0 (unsigned)`);
  if (!Number.isInteger(rows) || rows < 1 || rows > 65535)
    return problem('InvalidAttributeValue', '00280010', `${rows}`);
  if (!Number.isInteger(columns) || columns < 1 || columns > 65535)
    return problem('InvalidAttributeValue', '00280011', `${columns}`);
  if (rows > c.maxImageSize.rows || columns > c.maxImageSize.columns) {
    return problem(
      'InvalidAttributeValue',
      '00280010',
      `${columns}x${rows} exceeds this printer's largest image ${c.maxImageSize.columns}x${c.maxImageSize.rows}`,
    );
  }
  const pixels = bytes(item, find(item, '7FE00010')!) ?? Buffer.alloc(0);
  const expected = rows * columns * (color ? 3 : ba / 8);
  // An odd byte count is padded to even length on the wire (PS3.5 7.1.1).
  if (pixels.length !== expected && !(expected % 2 === 1 && pixels.length === expected + 1)) {
    return problem(
      'InvalidAttributeValue',
      '7FE00010',
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
    pixels: pixels.length === expected ? pixels : viewOf(pixels, 0, expected),
  };
  if (color) image.planarConfiguration = n('00280006');
  const par = find(item, '00280034');
  const ratio = par ? item[par]?.Value : undefined;
  if (Array.isArray(ratio) && ratio.length === 2)
    image.pixelAspectRatio = [Number(ratio[0]), Number(ratio[1])];
  return image;
}

export function isProblem(x: PrintImage | PixelProblem): x is PixelProblem {
  return 'status' in x;
}
