/**
 * A QA test pattern to print on any printer (a real one, another Lightbox, or this one's own
 * listener): drawn at the size and depth asked, laid out by pattern-plan.ts, sent by runPlan.
 * What POST /api/qa/patterns/{name}/print and `lightbox print-pattern` send.
 */
import {
  drawPattern,
  PATTERN_NAMES,
  type PatternImage,
  type PatternName,
  type PatternRequest,
} from '../qa/patterns.js';
import { type PatternPrintOptions, planFromPattern } from './pattern-plan.js';
import type { Plan } from './plan.js';
import { ScuError } from './scu-error.js';

/** What a pattern print sends: the pattern as drawn. */
export interface PrintedPattern {
  name: PatternName;
  bits: number;
  rows: number;
  columns: number;
}

/**
 * The plan and what it prints, or a usage ScuError (unknown pattern, size out of bounds, display
 * format) before anything is sent.
 */
export function patternPlan(
  name: string,
  size: PatternRequest,
  print: PatternPrintOptions,
): { plan: Plan; pattern: PrintedPattern } {
  if (!(PATTERN_NAMES as readonly string[]).includes(name))
    throw new ScuError('usage', `no pattern "${name}" (${PATTERN_NAMES.join(', ')})`);
  let image: PatternImage;
  try {
    image = drawPattern(name as PatternName, size);
  } catch (e) {
    throw new ScuError('usage', (e as Error).message);
  }
  return {
    plan: planFromPattern(image, print),
    pattern: { name: image.name, bits: image.bits, rows: image.rows, columns: image.columns },
  };
}
