/**
 * Where a film's text prints: its annotation boxes (placed by the profile's annotationLayout for
 * the film's Annotation Display Format) and the printer's stamp. Decided once, at Film Box
 * N-CREATE, because it decides the image area too: with `annotationArea: band` the text lines get
 * bands of their own along the film's top and bottom edges, on the border density, and the image
 * boxes share what is left (a real printer's annotation strip); with `overlay` the image boxes keep
 * the whole film and the text prints over them. Pure; the renderer draws what it says.
 */
import type { FilmPlace } from './profile-schema.js';

export interface TextRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TextSlot {
  rect: TextRect;
  align: 'left' | 'center' | 'right';
  /** The layout's place; absent for an annotation position the layout does not place. */
  place?: FilmPlace;
}

export interface TextLayout {
  area: 'band' | 'overlay';
  /** The part of the film the image boxes tile: the whole film, less the bands in `band`. */
  images: TextRect;
  /** Film rows kept for text along the top and bottom edges (0 in overlay). */
  bands: { top: number; bottom: number };
  /** One slot per Annotation Position, in position order (index = position - 1). */
  annotations: TextSlot[];
  /** The stamp's slots, when the profile stamps that text. */
  label?: TextSlot;
  printer?: TextSlot;
}

export interface TextInput {
  area: 'band' | 'overlay';
  /** Annotation boxes of the film box (0 when the Annotation Box SOP class is not in use). */
  annotationCount: number;
  /** The layout's place for each position; a position without one goes in a bottom line of cells. */
  places?: readonly FilmPlace[];
  stamp: { filmSessionLabel: boolean; printer: boolean; labelAt?: FilmPlace; printerAt?: FilmPlace };
}

/** One line of text: 2% of the film height, at least 12 pixels (about 8.6 mm on 14x17 in film). */
export const lineHeight = (H: number): number => Math.max(12, Math.round(H * 0.02));

/**
 * The text layout of a W x H film. Lines at one place stack inwards from the film edge; positions
 * the layout does not place share one more bottom line, one cell each, left to right. A margin of
 * half a line keeps every text off the film edge and off the images.
 */
export function textLayout(input: TextInput, W: number, H: number): TextLayout {
  // Lines in use at each place, in the order they are taken (stamp first, then annotations).
  const taken = new Map<FilmPlace, number>();
  const wanted: { place: FilmPlace; line: number }[] = [];
  const take = (place: FilmPlace) => {
    const n = taken.get(place) ?? 0;
    taken.set(place, n + 1);
    wanted.push({ place, line: n });
    return wanted.length - 1;
  };
  const labelAt = input.stamp.filmSessionLabel ? take(input.stamp.labelAt ?? 'top-left') : undefined;
  const printerAt = input.stamp.printer ? take(input.stamp.printerAt ?? 'top-right') : undefined;
  const positions = Array.from({ length: input.annotationCount }, (_, i) => input.places?.[i]);
  const placedAt = positions.map((p) => (p ? take(p) : undefined));
  const unplaced = positions.flatMap((p, i) => (p ? [] : [i]));

  const linesAt = (edge: 'top' | 'bottom') =>
    Math.max(0, ...[...taken].filter(([p]) => p.startsWith(edge)).map(([, n]) => n));
  const topLines = linesAt('top');
  const placedBottom = linesAt('bottom');
  const bottomLines = placedBottom + (unplaced.length > 0 ? 1 : 0);
  // Text never takes more than a quarter of the film (20 annotation lines would): lines get thinner.
  const edges = (topLines > 0 ? 1 : 0) + (bottomLines > 0 ? 1 : 0);
  const line = Math.max(
    1,
    Math.min(lineHeight(H), Math.floor(H / 4 / Math.max(1, topLines + bottomLines + edges))),
  );
  const margin = Math.round(line / 2);
  const band = (lines: number) => (lines > 0 ? margin + lines * line + margin : 0);
  const bands =
    input.area === 'band' ? { top: band(topLines), bottom: band(bottomLines) } : { top: 0, bottom: 0 };

  // Thirds of the width inside the side margins: left, center and right columns of text.
  const inner = Math.max(3, W - 2 * margin);
  const third = Math.floor(inner / 3);
  const column = { left: margin, center: margin + third, right: margin + inner - third };
  const lineY = (edge: 'top' | 'bottom', n: number) =>
    edge === 'top' ? margin + n * line : H - margin - (n + 1) * line;
  const slot = (i: number | undefined): TextSlot | undefined => {
    if (i === undefined) return undefined;
    const { place, line: n } = wanted[i]!;
    const [edge, side] = place.split('-') as ['top' | 'bottom', 'left' | 'center' | 'right'];
    return {
      rect: { x: column[side], y: lineY(edge, n), width: third, height: line },
      align: side,
      place,
    };
  };
  const cellW = Math.floor(inner / Math.max(1, unplaced.length));
  const annotations = positions.map((_, i): TextSlot => {
    const placed = slot(placedAt[i]);
    if (placed) return placed;
    const k = unplaced.indexOf(i);
    return {
      rect: { x: margin + k * cellW, y: lineY('bottom', placedBottom), width: cellW, height: line },
      align: 'left',
    };
  });
  const label = slot(labelAt);
  const printer = slot(printerAt);
  return {
    area: input.area,
    images: { x: 0, y: bands.top, width: W, height: Math.max(1, H - bands.top - bands.bottom) },
    bands,
    annotations,
    ...(label ? { label } : {}),
    ...(printer ? { printer } : {}),
  };
}
