/**
 * Film directories for the render and film-out benchmarks, written as spoolFilm would: the W1
 * (STANDARD\\4,5, 20 CT) and W2 (one mammo) films on 14INX17IN at the embedded printer's 320 dpi.
 * The phantoms are test/support/dcmprint.ts's, so the benches draw what the print bench sends.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Uid } from '../src/dicom/uids.js';
import type { FilmRecord } from '../src/print/spool.js';
import { DEFAULT_PROFILE } from '../src/profiles/default-profile.js';
import { boxRects, parseDisplayFormat } from '../src/profiles/display-format.js';
import { FILM_SIZES_MM } from '../src/profiles/film-sizes.js';

export const FILM_SIZE = '14INX17IN';
export const DPI = DEFAULT_PROFILE.resolutions.STANDARD;
export const MAMMO = { rows: 5120, columns: 4096 };
export const CT = { rows: 512, columns: 512, count: 20 };

const cs = (v: string) => ({ vr: 'CS', Value: [v] });
const us = (v: number) => ({ vr: 'US', Value: [v] });

/** The 14INX17IN portrait pixel matrix at 320 dpi, as filmMatrix computes it (no margin). */
export function matrix(): FilmRecord['filmBox']['matrix'] {
  const [wMm, hMm] = FILM_SIZES_MM[FILM_SIZE]!;
  const px = (mm: number) => Math.round((mm / 25.4) * DPI);
  return { width: px(wMm), height: px(hMm), dpi: DPI, widthMm: wMm, heightMm: hMm };
}

/**
 * Write a film directory as spoolFilm would: one box-NNN.raw per image (16 bits allocated, 12
 * stored, MONOCHROME2), film.json with the film box attributes the print context fills in by
 * default for the embedded printer, each box fitting its rectangle.
 */
export function writeFilm(
  dir: string,
  format: string,
  images: readonly Uint16Array[],
  size: typeof CT,
): void {
  mkdirSync(dir, { recursive: true });
  const m = matrix();
  const p = DEFAULT_PROFILE;
  const layout = parseDisplayFormat(format, {
    custom: p.customFormats,
    slide: p.slideLayout,
    superslide: p.superslideLayout,
  });
  const rects = boxRects(layout, m.width, m.height);
  if (rects.length !== images.length)
    throw new Error(`${format}: ${rects.length} boxes, ${images.length} images`);
  const uid = (n: number) => `1.2.826.0.1.3680043.10.1387.9.${n}`;
  const imageBoxes: FilmRecord['imageBoxes'] = rects.map((rect, i) => {
    const px = images[i]!;
    const file = `box-${String(rect.position).padStart(3, '0')}.raw`;
    writeFileSync(join(dir, file), Buffer.from(px.buffer, px.byteOffset, px.byteLength));
    return {
      position: rect.position,
      uid: uid(100 + rect.position),
      sopClassUid: Uid.BasicGrayscaleImageBox,
      rect,
      attributes: { '20100030': us(rect.position) },
      fit: 'fits',
      minDensity: p.density.defaultMin,
      maxDensity: p.density.defaultMax,
      statuses: [0],
      image: {
        rows: size.rows,
        columns: size.columns,
        samplesPerPixel: 1,
        photometricInterpretation: 'MONOCHROME2',
        bitsAllocated: 16,
        bitsStored: 12,
        highBit: 11,
        pixelRepresentation: 0,
        file,
        bytes: px.byteLength,
      },
    };
  });
  const now = new Date(0).toISOString();
  const record: FilmRecord = {
    format: 'lightbox-film/1',
    printer: { aeTitle: p.aeTitle, name: p.name, density: { min: p.density.min, max: p.density.max } },
    job: { uid: uid(1), copies: 1, priority: 'MED', originator: 'BENCH', createdAt: now },
    callingAeTitle: 'BENCH',
    filmSession: {
      uid: uid(2),
      attributes: {
        '20000010': { vr: 'IS', Value: ['1'] },
        '20000020': cs('MED'),
        '20000030': cs(p.mediumTypes[0]),
        '20000040': cs(p.filmDestinations[0]),
      },
    },
    filmBox: {
      uid: uid(3),
      attributes: {
        '20100010': { vr: 'ST', Value: [format] },
        '20100040': cs('PORTRAIT'),
        '20100050': cs(FILM_SIZE),
        '20100060': cs(p.magnificationTypes[0]),
        '20100080': cs(p.smoothingTypes[0]),
        '20100100': cs(p.borderDensities[0]),
        '20100110': cs(p.emptyImageDensities[0]),
        '20100120': us(p.density.defaultMin),
        '20100130': us(p.density.defaultMax),
        '20100140': cs('NO'),
        '2010015E': us(2000),
        '20100160': us(10),
        '20200050': cs('STANDARD'),
      },
      layout,
      matrix: m,
      statuses: [0],
    },
    imageBoxes,
    annotations: [],
    printedAt: now,
  };
  writeFileSync(join(dir, 'film.json'), JSON.stringify(record, null, 1));
}
