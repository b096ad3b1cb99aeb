/**
 * The density report of one film directory: reads film.json, render.json, each grayscale box's
 * received pixels and the density map (density.png) where the box's image landed, and hands them
 * to report.ts. One box's pixels and density region at a time in memory.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { Tag } from '../dicom/tags.js';
import type { FilmRecord } from '../print/spool.js';
import { str } from '../print/values.js';
import type { RenderRecord } from '../render/film.js';
import type { PatternName } from './patterns.js';
import type { QaProtocol } from './protocols.js';
import { densityReport, type QaBox, type QaReport } from './report.js';

export class FilmQaError extends Error {
  constructor(
    message: string,
    /** HTTP status the route answers with. */
    readonly status: 409 | 422,
  ) {
    super(message);
  }
}

/** A box's stored values as 16-bit words, masked to bits stored. */
function storedValues(raw: Buffer, count: number, bitsAllocated: number, bitsStored: number): Uint16Array {
  const mask = 2 ** bitsStored - 1;
  const out = new Uint16Array(count);
  if (bitsAllocated === 8) for (let i = 0; i < count; i++) out[i] = raw[i]! & mask;
  else for (let i = 0; i < count; i++) out[i] = raw.readUInt16LE(i * 2) & mask;
  return out;
}

export async function filmQa(
  id: string,
  dir: string,
  o: { protocol: QaProtocol; pattern?: PatternName },
): Promise<QaReport> {
  const film = JSON.parse(await readFile(join(dir, 'film.json'), 'utf8')) as FilmRecord;
  let render: RenderRecord & { failed?: boolean };
  try {
    render = JSON.parse(await readFile(join(dir, 'render.json'), 'utf8')) as RenderRecord;
  } catch {
    throw new FilmQaError('the film is not rendered yet', 409);
  }
  if (render.failed || !Array.isArray(render.boxes))
    throw new FilmQaError('the film failed to render: no density map', 409);
  const densityPng = join(dir, 'density.png');
  const boxes: QaBox[] = [];
  const skipped: { position: number; reason: string }[] = [];
  for (const b of film.imageBoxes) {
    const r = render.boxes.find((x) => x.position === b.position);
    const im = b.image;
    if (!im || !r?.image) {
      skipped.push({ position: b.position, reason: 'empty image box' });
      continue;
    }
    if (im.samplesPerPixel !== 1) {
      skipped.push({ position: b.position, reason: 'color image box: no density' });
      continue;
    }
    const count = im.rows * im.columns;
    const raw = await readFile(join(dir, im.file));
    if (raw.length < count * (im.bitsAllocated === 8 ? 1 : 2)) {
      skipped.push({ position: b.position, reason: 'pixel file shorter than the image' });
      continue;
    }
    const placed = r.image;
    const { data, info } = await sharp(densityPng, { limitInputPixels: false })
      .extract({ left: placed.x, top: placed.y, width: placed.width, height: placed.height })
      // Without it sharp hands out the 16-bit grey map as 3-channel sRGB, values lost to 0..255.
      .toColourspace('grey16')
      .raw({ depth: 'ushort' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 || info.width !== placed.width || info.height !== placed.height)
      throw new Error(`density.png region read as ${info.width}x${info.height}x${info.channels}`);
    const density = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
    boxes.push({
      position: b.position,
      image: {
        rows: im.rows,
        columns: im.columns,
        bitsStored: im.bitsStored,
        photometricInterpretation: im.photometricInterpretation,
        pixels: storedValues(raw, count, im.bitsAllocated, im.bitsStored),
      },
      polarity: str(b.attributes, Tag.Polarity) ?? 'NORMAL',
      minDensity: r.minDensity ?? film.printer.density.min,
      maxDensity: r.maxDensity ?? film.printer.density.max,
      lut: film.presentationLut,
      placed,
      density,
      fit: r.fit,
    });
  }
  const report = densityReport({
    film: id,
    viewing: render.viewing,
    boxes,
    protocol: o.protocol,
    pattern: o.pattern,
    skipped,
  });
  if (report.boxes.length === 0)
    throw new FilmQaError(
      `no image box of this film carries a known test pattern (${report.skipped.map((s) => `box ${s.position}: ${s.reason}`).join('; ') || 'no image boxes'})`,
      422,
    );
  return report;
}
