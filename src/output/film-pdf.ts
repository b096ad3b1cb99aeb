/**
 * A rendered film as a PDF page (pdf-lib): at true size, one page the size of the film, the film's
 * pixels placed at the printer's resolution inside its printable margin (so it prints 1:1 with no
 * footer); or fitted on an A4 / Letter / A3 sheet with the scale printed in the margin. The image
 * is film.png's own compressed data (FlateDecode with PNG predictors): no resampling, no second
 * compression. Annotation and stamp texts, already drawn in the pixels, are laid over them as
 * invisible text (render mode 3, as OCR'd scans do), so they can be selected, searched and copied.
 */
import {
  beginText,
  concatTransformationMatrix,
  drawObject,
  endText,
  moveText,
  PDFDocument,
  type PDFFont,
  type PDFPage,
  popGraphicsState,
  pushGraphicsState,
  rgb,
  StandardFonts,
  setFontAndSize,
  setTextRenderingMode,
  showText,
  TextRenderingMode,
} from 'pdf-lib';
import { type PngFile, readPng } from './png-file.js';

const PT_PER_MM = 72 / 25.4;

/** Sheets a film can be fitted on, portrait width x height in mm. */
export const SHEETS_MM = {
  A4: [210, 297],
  Letter: [215.9, 279.4],
  A3: [297, 420],
} as const satisfies Record<string, readonly [number, number]>;
export type Sheet = keyof typeof SHEETS_MM;
/** White margin around a fitted film; the scale line is printed in the bottom one. */
const SHEET_MARGIN_MM = 12;

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FilmPdfInput {
  /** film.png as rendered. */
  png: Buffer;
  /** The film's pixel matrix and resolution (render.json). */
  dpi: number;
  /** The film as viewed, in mm (film.json's matrix: landscape already swapped). */
  widthMm: number;
  heightMm: number;
  /** Film Size ID, for the title and the scale line. */
  filmSizeId?: string;
  /** Texts drawn on the film and where, in film pixels (annotations, stamp). */
  texts: { text: string; rect: Rect }[];
  title: string;
  /** Fit on a sheet instead of a page the film's size. */
  fit?: Sheet;
}

export interface FilmPdf {
  bytes: Uint8Array;
  /** Page size in mm. */
  pageMm: [number, number];
  /** Printed size / true size (1 at true size). */
  scale: number;
}

/** Keep what the standard font can encode (WinAnsi); anything else becomes '?'. */
function encodable(font: PDFFont, text: string): string {
  const set = new Set(font.getCharacterSet());
  return [...text].map((c) => (set.has(c.codePointAt(0)!) ? c : '?')).join('');
}

/** The film's own PNG data as an image XObject, decoded by the viewer exactly as PNG is. */
function imageXObject(doc: PDFDocument, png: PngFile) {
  const stream = doc.context.stream(png.data, {
    Type: 'XObject',
    Subtype: 'Image',
    Width: png.width,
    Height: png.height,
    ColorSpace: png.channels === 3 ? 'DeviceRGB' : 'DeviceGray',
    BitsPerComponent: png.bitDepth,
    Filter: 'FlateDecode',
    DecodeParms: { Predictor: 15, Colors: png.channels, BitsPerComponent: png.bitDepth, Columns: png.width },
  });
  return doc.context.register(stream);
}

/**
 * Invisible text over each drawn text: the font size fills the text's strip, narrowed when the
 * text would run past its rectangle, so a selection covers what the film shows.
 */
function overlayTexts(
  page: PDFPage,
  font: PDFFont,
  fontKey: ReturnType<PDFPage['node']['newFontDictionary']>,
  texts: FilmPdfInput['texts'],
  toPage: (x: number, y: number) => [number, number],
  ptPerPx: number,
): void {
  for (const t of texts) {
    const text = encodable(font, t.text);
    if (!text.trim()) continue;
    const heightPt = t.rect.height * ptPerPx;
    const widthPt = t.rect.width * ptPerPx;
    const size = Math.max(1, Math.min(heightPt * 0.7, (widthPt * 0.98) / font.widthOfTextAtSize(text, 1)));
    const [x, y] = toPage(t.rect.x + 2, t.rect.y + t.rect.height * 0.78);
    page.pushOperators(
      beginText(),
      setFontAndSize(fontKey, size),
      setTextRenderingMode(TextRenderingMode.Invisible),
      moveText(x, y),
      showText(font.encodeText(text)),
      endText(),
    );
  }
}

export async function filmPdf(input: FilmPdfInput): Promise<FilmPdf> {
  const png = readPng(input.png);
  const doc = await PDFDocument.create();
  doc.setTitle(input.title);
  doc.setCreator('Lightbox');
  doc.setProducer('Lightbox (pdf-lib)');
  const filmW = input.widthMm * PT_PER_MM;
  const filmH = input.heightMm * PT_PER_MM;
  let pageW = filmW;
  let pageH = filmH;
  let scale = 1;
  if (input.fit) {
    // The sheet turned the film's way.
    const [a, b] = SHEETS_MM[input.fit];
    const landscape = input.widthMm > input.heightMm;
    pageW = (landscape ? b : a) * PT_PER_MM;
    pageH = (landscape ? a : b) * PT_PER_MM;
    const room = 2 * SHEET_MARGIN_MM * PT_PER_MM;
    scale = Math.min(1, (pageW - room) / filmW, (pageH - room) / filmH);
  }
  const page = doc.addPage([pageW, pageH]);
  // The film's rectangle on the page, then the printable area (the pixel matrix) centred in it.
  const fx = (pageW - filmW * scale) / 2;
  const fy = (pageH - filmH * scale) / 2;
  const ptPerPx = (72 / input.dpi) * scale;
  const imgW = png.width * ptPerPx;
  const imgH = png.height * ptPerPx;
  const ix = fx + (filmW * scale - imgW) / 2;
  const iy = fy + (filmH * scale - imgH) / 2;
  const image = page.node.newXObject('Film', imageXObject(doc, png));
  page.pushOperators(
    pushGraphicsState(),
    concatTransformationMatrix(imgW, 0, 0, imgH, ix, iy),
    drawObject(image),
    popGraphicsState(),
  );
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const fontKey = page.node.newFontDictionary('Text', font.ref);
  // Film pixels run down from the top; PDF points run up from the bottom.
  const toPage = (x: number, y: number): [number, number] => [ix + x * ptPerPx, iy + imgH - y * ptPerPx];
  overlayTexts(page, font, fontKey, input.texts, toPage, ptPerPx);
  if (input.fit) {
    const pct = (scale * 100).toFixed(1);
    const line = encodable(
      font,
      `${input.filmSizeId ?? 'Film'} (${input.widthMm} × ${input.heightMm} mm) on ${input.fit}: printed at ${pct} % of true size (1:${(1 / scale).toFixed(2)}). Measurements on this page are not true size.`,
    );
    const size = 8;
    const width = font.widthOfTextAtSize(line, size);
    page.drawText(line, {
      x: Math.max(4, (pageW - width) / 2),
      y: Math.max(4, (fy - size) / 2),
      size,
      font,
      color: rgb(0, 0, 0),
    });
  }
  const bytes = await doc.save({ useObjectStreams: false });
  return { bytes, pageMm: [pageW / PT_PER_MM, pageH / PT_PER_MM], scale };
}
