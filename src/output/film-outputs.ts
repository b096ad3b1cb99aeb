/**
 * The outputs of a rendered film, made from its directory when asked for (film.pdf, film.dcm):
 * film.json says what was printed, render.json where texts landed, film.png (and density.png)
 * hold the pixels. Nothing is written to the film's directory: the same film gives the same bytes
 * every time (the DICOM UIDs are derived from the film, see film-dicom.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { datasetParts, fileMeta } from '../dicom/part10.js';
import { Tag } from '../dicom/tags.js';
import type { FilmRecord } from '../print/spool.js';
import { str } from '../print/values.js';
import type { RenderRecord } from '../render/film.js';
import { viewTable } from '../render/gsdf.js';
import { type FilmDepth, filmDataset, sopClassFor } from './film-dicom.js';
import { filmPdf, type Sheet } from './film-pdf.js';
import { pngPixels, readPng } from './png-file.js';
import { Slots } from './slots.js';

export class FilmOutputError extends Error {
  override name = 'FilmOutputError';
}

export interface RenderedFilm {
  id: string;
  film: FilmRecord;
  render: RenderRecord;
}

/** film.json and render.json of a rendered film; FilmOutputError when it is not rendered. */
export async function readRendered(dir: string, id: string): Promise<RenderedFilm> {
  let film: FilmRecord;
  let render: RenderRecord & { failed?: boolean };
  try {
    film = JSON.parse(await readFile(join(dir, 'film.json'), 'utf8')) as FilmRecord;
    render = JSON.parse(await readFile(join(dir, 'render.json'), 'utf8')) as RenderRecord;
  } catch {
    throw new FilmOutputError(`film ${id} is not rendered`);
  }
  if (render.failed || !render.width) throw new FilmOutputError(`film ${id} did not render`);
  return { id, film, render };
}

/** Every text drawn on the film, with its rectangle. */
function drawnTexts(r: RenderRecord): { text: string; rect: RenderRecord['annotations'][number]['rect'] }[] {
  return [...(r.stampRects ?? []), ...r.annotations.map((a) => ({ text: a.text, rect: a.rect }))];
}

/**
 * Outputs made at once: each holds a film's pixels (some 50 MB for a 14x17 in film at 320 dpi while
 * a DICOM object is made), so a burst of requests queues instead of multiplying that.
 */
const slots = new Slots(2, 64);

export async function pdfOf(dir: string, id: string, fit?: Sheet): Promise<Uint8Array> {
  return slots.run(() => makePdf(dir, id, fit));
}

async function makePdf(dir: string, id: string, fit?: Sheet): Promise<Uint8Array> {
  const { film, render } = await readRendered(dir, id);
  const png = await readFile(join(dir, 'film.png'));
  const m = film.filmBox.matrix;
  const label = str(film.filmSession.attributes, Tag.FilmSessionLabel);
  const pdf = await filmPdf({
    png,
    dpi: render.dpi,
    widthMm: m.widthMm,
    heightMm: m.heightMm,
    filmSizeId: str(film.filmBox.attributes, Tag.FilmSizeID),
    texts: drawnTexts(render),
    title: `Film ${id}${label ? ` (${label})` : ''}`,
    fit,
  });
  return pdf.bytes;
}

export interface FilmObject {
  sopClassUid: string;
  sopInstanceUid: string;
  /** The data set (Explicit VR Little Endian) as parts: attributes, Pixel Data header, pixels. */
  dataset: Buffer[];
  /** The same data set in Implicit VR Little Endian (written when asked for). */
  implicitDataset(): Buffer[];
  /** A DICOM file: the File Meta Information, then the data set's parts. */
  file: Buffer[];
  bytes: number;
}

/** The film as a DICOM Secondary Capture object (film-dicom.ts). */
export async function dicomOf(
  dir: string,
  id: string,
  depth: FilmDepth,
  software: string,
): Promise<FilmObject> {
  return slots.run(() => makeDicom(dir, id, depth, software));
}

async function makeDicom(dir: string, id: string, depth: FilmDepth, software: string): Promise<FilmObject> {
  const { film, render } = await readRendered(dir, id);
  const color = render.color;
  const d: FilmDepth = color ? 8 : depth;
  const png = readPng(await readFile(join(dir, d === 16 ? 'density.png' : 'film.png')));
  if (png.width !== render.width || png.height !== render.height)
    throw new FilmOutputError(
      `film ${id}: its image is ${png.width}x${png.height}, render.json says ${render.width}x${render.height}`,
    );
  let pixels = await pngPixels(png);
  if (png.bitDepth === 16) pixels = presentation16(pixels, render);
  const ds = filmDataset({ id, film, render, depth: d, color, software });
  const sopClassUid = sopClassFor(d, color);
  const sopInstanceUid = String(ds[Tag.SOPInstanceUID]!.Value![0]);
  const px = { vr: d === 16 ? ('OW' as const) : ('OB' as const), data: pixels };
  const dataset = datasetParts(ds, px);
  const file = [fileMeta({ sopClassUid, sopInstanceUid }), ...dataset];
  return {
    sopClassUid,
    sopInstanceUid,
    dataset,
    implicitDataset: () => datasetParts(ds, px, false),
    file,
    bytes: file.reduce((n, b) => n + b.length, 0),
  };
}

/** Densities (PNG's big-endian 16-bit samples) to 16-bit presentation values, little-endian. */
function presentation16(densities: Buffer, render: RenderRecord): Buffer {
  const view = viewTable(render.viewing, 65535);
  const out = Buffer.allocUnsafe(densities.length);
  for (let i = 0; i < densities.length; i += 2) {
    const v = view[(densities[i]! << 8) | densities[i + 1]!]!;
    out[i] = v & 0xff;
    out[i + 1] = v >> 8;
  }
  return out;
}
