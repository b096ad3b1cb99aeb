/**
 * Image Display Format (2010,0010) grammar and layout (PS3.3 C.13.3, docs/spec/attributes.md#display-format):
 * STANDARD\C,R (C columns first), ROW\R1,R2.. (boxes per row), COL\C1,C2.. (boxes per column,
 * numbered column by column), SLIDE, SUPERSLIDE, CUSTOM\n. Pure.
 */

export interface Layout {
  /** How the film is divided: rows of boxes (STANDARD, ROW) or columns of boxes (COL). */
  kind: 'rows' | 'columns';
  /** Boxes in each row (kind rows) or column (kind columns), in order. */
  counts: number[];
}

/** A box in film pixels, position 1 at the top left. */
export interface BoxRect {
  position: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export class DisplayFormatError extends Error {
  override name = 'DisplayFormatError';
}

const INT = /^[1-9][0-9]{0,2}$/;

function ints(list: string, what: string): number[] {
  const parts = list.split(',');
  if (parts.length === 0 || !parts.every((p) => INT.test(p)))
    throw new DisplayFormatError(`${what}: "${list}" is not a list of positive integers`);
  return parts.map(Number);
}

export interface FormatSettings {
  /** CUSTOM\n -> the layout it stands for. */
  custom: Readonly<Record<string, string>>;
  slide: string;
  superslide: string;
}

/** Parse a format into its layout (no printer policy here; see capabilities). */
export function parseDisplayFormat(format: string, s: FormatSettings): Layout {
  const [kind, rest, extra] = format.split('\\');
  if (extra !== undefined) throw new DisplayFormatError(`"${format}" has more than one backslash`);
  switch (kind) {
    case 'STANDARD': {
      const n = ints(rest ?? '', 'STANDARD');
      if (n.length !== 2) throw new DisplayFormatError(`STANDARD needs C,R (got "${rest}")`);
      const [c, r] = n as [number, number];
      return { kind: 'rows', counts: Array(r).fill(c) };
    }
    case 'ROW':
      return { kind: 'rows', counts: ints(rest ?? '', 'ROW') };
    case 'COL':
      return { kind: 'columns', counts: ints(rest ?? '', 'COL') };
    case 'SLIDE':
    case 'SUPERSLIDE':
      if (rest !== undefined) throw new DisplayFormatError(`${kind} takes no parameters`);
      return parseDisplayFormat(`STANDARD\\${kind === 'SLIDE' ? s.slide : s.superslide}`, s);
    case 'CUSTOM': {
      const target = s.custom[rest ?? ''];
      if (!target) throw new DisplayFormatError(`CUSTOM\\${rest} is not defined for this printer`);
      return parseDisplayFormat(target, s);
    }
    default:
      throw new DisplayFormatError(`"${format}" is not an Image Display Format`);
  }
}

export function boxCount(l: Layout): number {
  return l.counts.reduce((a, b) => a + b, 0);
}

/**
 * Box rectangles on a film of width x height pixels, numbered as PS3.3 says: row by row for
 * STANDARD/ROW, column by column for COL. Integer edges: boxes tile the film exactly.
 */
export function boxRects(l: Layout, width: number, height: number): BoxRect[] {
  const out: BoxRect[] = [];
  const major = l.counts.length;
  for (let i = 0; i < major; i++) {
    const n = l.counts[i]!;
    for (let j = 0; j < n; j++) {
      const [a0, a1] = [
        Math.round((i * (l.kind === 'rows' ? height : width)) / major),
        Math.round(((i + 1) * (l.kind === 'rows' ? height : width)) / major),
      ];
      const [b0, b1] = [
        Math.round((j * (l.kind === 'rows' ? width : height)) / n),
        Math.round(((j + 1) * (l.kind === 'rows' ? width : height)) / n),
      ];
      out.push(
        l.kind === 'rows'
          ? { position: out.length + 1, x: b0, y: a0, width: b1 - b0, height: a1 - a0 }
          : { position: out.length + 1, x: a0, y: b0, width: a1 - a0, height: b1 - b0 },
      );
    }
  }
  return out;
}
