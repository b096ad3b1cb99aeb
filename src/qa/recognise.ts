/**
 * Which test pattern an image box carries: the received pixels compared with each pattern drawn
 * at the same size and depth, on a sparse grid, as display values (MONOCHROME1 turned round, so
 * an SCU that sends the pattern inverted as MONOCHROME1 still matches). An SCU may rescale the
 * values on the way (DCMTK's print SCU sends an 8-bit image as 12 bits, 255 -> 4080): values
 * within 2% of the range count as equal. Pure.
 */
import { drawPattern, PATTERN_NAMES, type PatternBits, type PatternName } from './patterns.js';

export interface ReceivedImage {
  rows: number;
  columns: number;
  bitsStored: number;
  photometricInterpretation: string;
  /** Stored values, row by row. */
  pixels: Uint16Array;
}

/** Share of sampled pixels that must agree for a pattern to be recognised. */
export const MATCH_THRESHOLD = 0.98;
const VALUE_TOLERANCE = 0.02;
/** About this many pixels are compared, whatever the image size. */
const SAMPLES = 40_000;

/** The share (0..1) of sampled pixels of `img` that equal the pattern's, as display fractions. */
export function matchScore(name: PatternName, img: ReceivedImage): number {
  if (img.bitsStored !== 8 && img.bitsStored !== 12) return 0;
  let pattern: ReturnType<typeof drawPattern>;
  try {
    pattern = drawPattern(name, {
      bits: img.bitsStored as PatternBits,
      rows: img.rows,
      columns: img.columns,
    });
  } catch {
    return 0; // a size no pattern is drawn at
  }
  const max = 2 ** img.bitsStored - 1;
  const mono1 = img.photometricInterpretation === 'MONOCHROME1';
  const stride = Math.max(1, Math.floor(Math.sqrt((img.rows * img.columns) / SAMPLES)));
  let same = 0;
  let all = 0;
  for (let y = Math.floor(stride / 2); y < img.rows; y += stride)
    for (let x = Math.floor(stride / 2); x < img.columns; x += stride) {
      const i = y * img.columns + x;
      const got = (mono1 ? max - img.pixels[i]! : img.pixels[i]!) / max;
      if (Math.abs(got - pattern.pixels[i]! / max) <= VALUE_TOLERANCE) same++;
      all++;
    }
  return all === 0 ? 0 : same / all;
}

/** The pattern the image carries, with its score; undefined when none reaches MATCH_THRESHOLD. */
export function recognise(img: ReceivedImage): { name: PatternName; score: number } | undefined {
  let best: { name: PatternName; score: number } | undefined;
  for (const name of PATTERN_NAMES) {
    const score = matchScore(name, img);
    if (!best || score > best.score) best = { name, score };
  }
  return best && best.score >= MATCH_THRESHOLD ? best : undefined;
}
