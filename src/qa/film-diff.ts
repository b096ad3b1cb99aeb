/**
 * Film diff at the edge: a film's density.png (or film.png) and the golden (another film's, or
 * uploaded PNG bytes) decoded, compared by diff.ts, the difference drawn as a PNG. One film pair
 * in memory at a time (the route queues them).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RenderRecord } from '../render/film.js';
import { type DiffReport, type DiffThresholds, type DiffUnit, differenceImage, diffMaps } from './diff.js';

export class FilmDiffError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
  }
}

export interface Map2d {
  width: number;
  height: number;
  values: Uint16Array | Uint8Array;
}

/** A PNG as one channel: 16-bit density or 8-bit grey levels. */
export async function decodeMap(png: Buffer | string, unit: DiffUnit): Promise<Map2d> {
  try {
    const img = sharp(png, { limitInputPixels: 100_000_000 });
    if (unit === 'od') {
      const { data, info } = await img
        .toColourspace('grey16')
        .raw({ depth: 'ushort' })
        .toBuffer({ resolveWithObject: true });
      return {
        width: info.width,
        height: info.height,
        values: new Uint16Array(data.buffer, data.byteOffset, data.length / 2),
      };
    }
    const { data, info } = await img.toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    return {
      width: info.width,
      height: info.height,
      values: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (e) {
    if (typeof png === 'string') throw e;
    throw new FilmDiffError(
      `the uploaded image is not a PNG Lightbox can read: ${(e as Error).message}`,
      400,
    );
  }
}

export interface DiffRequest {
  id: string;
  dir: string;
  unit: DiffUnit;
  golden: { film: string; dir: string } | { upload: Buffer };
  thresholds?: Partial<DiffThresholds>;
}

async function renderOf(dir: string): Promise<RenderRecord> {
  try {
    const r = JSON.parse(await readFile(join(dir, 'render.json'), 'utf8')) as RenderRecord & {
      failed?: boolean;
    };
    if (!r.failed && Array.isArray(r.boxes)) return r;
  } catch {
    // not rendered
  }
  throw new FilmDiffError('film not rendered: nothing to compare', 409);
}

const FILE: Record<DiffUnit, string> = { od: 'density.png', level: 'film.png' };

export async function filmDiff(req: DiffRequest): Promise<{ report: DiffReport; maps: [Map2d, Map2d] }> {
  const render = await renderOf(req.dir);
  const map = await decodeMap(join(req.dir, FILE[req.unit]), req.unit);
  let golden: Map2d;
  let against: string;
  if ('film' in req.golden) {
    await renderOf(req.golden.dir).catch(() => {
      throw new FilmDiffError(
        `golden film ${req.golden && 'film' in req.golden ? req.golden.film : ''} is not rendered`,
        409,
      );
    });
    golden = await decodeMap(join(req.golden.dir, FILE[req.unit]), req.unit);
    against = req.golden.film;
  } else {
    golden = await decodeMap(req.golden.upload, req.unit);
    against = `uploaded ${FILE[req.unit]}`;
  }
  const report = diffMaps({
    film: req.id,
    against,
    unit: req.unit,
    thresholds: req.thresholds,
    map,
    golden,
    boxes: render.boxes.map((b) => ({
      position: b.position,
      box: b.box,
      ...(b.image ? { image: b.image } : {}),
    })),
  });
  return { report, maps: [map, golden] };
}

/** The difference image, at most `maxSide` pixels on its long side (the largest differences kept). */
export async function diffPng(maps: [Map2d, Map2d], unit: DiffUnit, maxSide = 1600): Promise<Buffer> {
  const [a, b] = maps;
  if (a.width !== b.width || a.height !== b.height)
    throw new FilmDiffError('the films differ in size: no difference image', 409);
  const rgb = differenceImage(a.values, b.values, a.width * a.height, unit);
  const scale = Math.min(1, maxSide / Math.max(a.width, a.height));
  let img = sharp(rgb, { raw: { width: a.width, height: a.height, channels: 3 }, limitInputPixels: false });
  if (scale < 1)
    img = img.resize(Math.max(1, Math.round(a.width * scale)), Math.max(1, Math.round(a.height * scale)), {
      kernel: 'nearest',
    });
  return img.png().toBuffer();
}
