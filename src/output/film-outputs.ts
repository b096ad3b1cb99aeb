/**
 * The outputs of a rendered film, made from its directory when asked for (film.pdf, film.dcm):
 * film.json says what was printed, render.json where texts landed, film.png (and density.png)
 * hold the pixels. Nothing is written to the film's directory: the same film gives the same bytes
 * every time (the DICOM UIDs are derived from the film, see film-dicom.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tag } from '../dicom/tags.js';
import type { FilmRecord } from '../print/spool.js';
import { str } from '../print/values.js';
import type { RenderRecord } from '../render/film.js';
import { filmPdf, type Sheet } from './film-pdf.js';

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

export async function pdfOf(dir: string, id: string, fit?: Sheet): Promise<Uint8Array> {
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
