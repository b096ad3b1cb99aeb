/**
 * A film's text: the printer's stamp and the annotation boxes' texts, drawn into the density
 * canvas where the film's text layout (profiles/text-layout.ts) puts them, in an ink chosen to
 * read against the border, outlined when printed over the images.
 */
import sharp from 'sharp';
import { Tag } from '../dicom/tags.js';
import type { FilmRecord } from '../print/spool.js';
import { str } from '../print/values.js';
import type { FilmPlace } from '../profiles/profile-schema.js';
import { type TextLayout, type TextRect, type TextSlot, textLayout } from '../profiles/text-layout.js';
import { jnd, transmitted, type Viewing } from './gsdf.js';

/**
 * The density of text and trim frames on a film with this border: whichever end of the printer's
 * range is more just-noticeable differences away from the border on the light box (dark on light
 * borders, light on dark; a 1.50 OD border takes light text: the eye sees more steps above it).
 */
export function inkFor(border: number, range: { min: number; max: number }, viewing: Viewing): number {
  const steps = (d: number) => jnd(Math.max(0.05, Math.min(4000, transmitted(d / 100, viewing))));
  return steps(range.min) - steps(border) >= steps(border) - steps(range.max) ? range.min : range.max;
}

export interface DrawnText {
  layout: TextLayout;
  /** The stamp texts drawn, and where, in film pixels. */
  stamp: { text: string; rect: TextRect }[];
  /** Where each annotation's text was drawn, in film pixels. */
  annotations: { position: number; text: string; rect: TextRect; place?: FilmPlace }[];
  /** Every canvas rectangle a text changed, in canvas pixels (their view is made again). */
  painted: TextRect[];
}

/**
 * Rasterise text with sharp (pango, DejaVu Sans) into rect, anti-aliased, in density `ink`. With
 * `halo`, each letter is first surrounded by an outline in that density (text over an image: it
 * then reads on any density beneath it).
 */
async function drawText(
  canvas: Uint16Array,
  W: number,
  H: number,
  text: string,
  slot: TextSlot,
  ink: number,
  halo: number | undefined,
  scale: number,
): Promise<TextRect | undefined> {
  const { align } = slot;
  const rect = scaled(slot.rect, scale);
  // The 2-pixel margin of the full-size film, scaled with it (a preview's text fills its slot).
  const pad = Math.round(2 * scale);
  if (rect.width <= Math.max(2, 2 * pad) || rect.height <= Math.max(2, 2 * pad)) return undefined;
  const { data, info } = await sharp({
    text: {
      text: text.replace(/[<>&]/g, ' '),
      font: 'DejaVu Sans',
      width: rect.width - 2 * pad,
      height: rect.height - 2 * pad,
    },
  })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const ox =
    align === 'left'
      ? rect.x + pad
      : align === 'right'
        ? rect.x + rect.width - pad - info.width
        : rect.x + Math.floor((rect.width - info.width) / 2);
  const oy = rect.y + pad;
  const alphaAt = (x: number, y: number) => data[(y * info.width + x) * info.channels]! / 255;
  const paint = (x: number, y: number, alpha: number, density: number) => {
    const cx = ox + x;
    const cy = oy + y;
    if (alpha === 0 || cx < 0 || cy < 0 || cx >= W || cy >= H) return;
    const i = cy * W + cx;
    canvas[i] = Math.round(canvas[i]! * (1 - alpha) + density * alpha);
  };
  // The outline grows the letters by r pixels each way.
  const r = halo === undefined ? 0 : Math.max(1, Math.round(rect.height / 12));
  if (halo !== undefined) {
    // The outline: the letters' coverage grown by r pixels each way (a square max filter, done
    // as a row pass then a column pass over a canvas r pixels larger on every side).
    const pw = info.width + 2 * r;
    const ph = info.height + 2 * r;
    const rows = new Float32Array(pw * ph);
    for (let y = 0; y < info.height; y++)
      for (let x = 0; x < pw; x++) {
        let a = 0;
        for (let sx = Math.max(0, x - 2 * r); sx <= Math.min(info.width - 1, x); sx++)
          a = Math.max(a, alphaAt(sx, y));
        rows[(y + r) * pw + x] = a;
      }
    for (let y = 0; y < ph; y++)
      for (let x = 0; x < pw; x++) {
        let a = 0;
        for (let sy = Math.max(0, y - r); sy <= Math.min(ph - 1, y + r); sy++)
          a = Math.max(a, rows[sy * pw + x]!);
        // Doubled: an anti-aliased edge still gets a solid outline.
        paint(x - r, y - r, Math.min(1, 2 * a), halo);
      }
  }
  for (let y = 0; y < info.height; y++) for (let x = 0; x < info.width; x++) paint(x, y, alphaAt(x, y), ink);
  const x0 = Math.max(0, ox - r);
  const y0 = Math.max(0, oy - r);
  const x1 = Math.min(W, ox + info.width + r);
  const y1 = Math.min(H, oy + info.height + r);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : undefined;
}

/** A film-pixel rectangle on a canvas `scale` times the film's size (edges rounded, never empty). */
export function scaled(r: TextRect, scale: number): TextRect {
  if (scale === 1) return r;
  const x = Math.round(r.x * scale);
  const y = Math.round(r.y * scale);
  return {
    x,
    y,
    width: Math.max(1, Math.round((r.x + r.width) * scale) - x),
    height: Math.max(1, Math.round((r.y + r.height) * scale) - y),
  };
}

/**
 * The film's text layout: as its Film Box N-CREATE decided it (profiles/text-layout.ts), or, for
 * a film spooled before that was recorded (its image boxes tile the whole film), over the images
 * with outlined letters.
 */
function layoutOf(film: FilmRecord, W: number, H: number): TextLayout {
  if (film.filmBox.text) return film.filmBox.text;
  return textLayout(
    {
      area: 'overlay',
      annotationCount: Math.max(0, ...film.annotations.map((a) => a.position)),
      places: film.printer.annotationPlaces,
      stamp: film.printer.stamp ?? { filmSessionLabel: false, printer: false },
    },
    W,
    H,
  );
}

/**
 * The stamp (Film Session Label, printer name and date) and the annotation boxes' texts, each in
 * its slot. In a band the text is in the density opposite the border's, which is the band's
 * background: at least half the printer's density range apart, whatever the border density.
 * Over the images it gets an outline in the other extreme as well. W x H is the film's pixel
 * matrix; the canvas is `scale` times that (a preview), and what is returned is in film pixels.
 */
export async function drawTexts(
  canvas: Uint16Array,
  W: number,
  H: number,
  film: FilmRecord,
  ink: number,
  scale = 1,
): Promise<DrawnText> {
  const layout = layoutOf(film, W, H);
  const cw = Math.round(W * scale);
  const ch = Math.round(H * scale);
  const range = film.printer.density;
  const halo = layout.area === 'overlay' ? (ink === range.min ? range.max : range.min) : undefined;
  const stamp: DrawnText['stamp'] = [];
  const painted: TextRect[] = [];
  const paintedBy = (r: TextRect | undefined) => {
    if (r) painted.push(r);
  };
  const label = str(film.filmSession.attributes, Tag.FilmSessionLabel);
  if (layout.label && label) {
    paintedBy(await drawText(canvas, cw, ch, label, layout.label, ink, halo, scale));
    stamp.push({ text: label, rect: layout.label.rect });
  }
  if (layout.printer) {
    const text = `${film.printer.printerName ?? film.printer.name} ${film.printedAt.slice(0, 10)}`;
    paintedBy(await drawText(canvas, cw, ch, text, layout.printer, ink, halo, scale));
    stamp.push({ text, rect: layout.printer.rect });
  }
  const annotations: DrawnText['annotations'] = [];
  for (const a of film.annotations) {
    const slot = layout.annotations[a.position - 1];
    if (!slot) continue;
    paintedBy(await drawText(canvas, cw, ch, a.text, slot, ink, halo, scale));
    annotations.push({
      position: a.position,
      text: a.text,
      rect: slot.rect,
      ...(slot.place ? { place: slot.place } : {}),
    });
  }
  return { layout, stamp, annotations, painted };
}
