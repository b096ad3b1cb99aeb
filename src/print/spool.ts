/**
 * Printed films on disk, so they survive the association and a restart and can be rendered:
 * one directory per film under <data-dir>/films/, holding film.json (everything the printer was
 * told and decided) and one raw pixel file per image box. Written to a temporary name and renamed,
 * so a film never appears half written.
 */
import { readdirSync, rmSync } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { partsOf } from '../dicom/chunked-bytes.js';
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import type { FilmPlace } from '../printers/profile-schema.js';
import type { FilmBox, FilmSession, PrintJob } from './model.js';

export interface FilmRecord {
  format: 'lightbox-film/1';
  printer: {
    aeTitle: string;
    name: string;
    density: { min: number; max: number };
    /** Printer Name for the stamp, and what the profile stamps. Absent in older films. */
    printerName?: string;
    stamp?: { filmSessionLabel: boolean; printer: boolean; labelAt?: FilmPlace; printerAt?: FilmPlace };
    /** Where this film's Annotation Display Format puts each position (absent: the bottom strip). */
    annotationPlaces?: FilmPlace[];
    smoothingKernels?: Record<string, string>;
  };
  job: { uid: string; copies: number; priority: string; originator: string; createdAt: string };
  callingAeTitle: string;
  filmSession: { uid: string; attributes: DcmDataset };
  filmBox: {
    uid: string;
    attributes: DcmDataset;
    layout: FilmBox['layout'];
    matrix: FilmBox['matrix'];
    presentationLutUid?: string;
    /** Absent in films written before it was recorded. */
    requestedDensity?: { min?: number; max?: number };
    statuses: number[];
  };
  imageBoxes: {
    position: number;
    uid: string;
    sopClassUid: string;
    rect: FilmBox['imageBoxes'][number]['rect'];
    attributes: DcmDataset;
    fit?: string;
    minDensity?: number;
    maxDensity?: number;
    requestedDensity?: { min?: number; max?: number };
    statuses: number[];
    image?: Omit<NonNullable<FilmBox['imageBoxes'][number]['image']>, 'pixels'> & {
      file: string;
      bytes: number;
    };
  }[];
  annotations: { position: number; text: string }[];
  presentationLut?: { shape?: string; descriptor?: number[]; data?: number[] };
  printedAt: string;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

/**
 * Pixel data as received (many socket chunks) in one writev: writeFile would issue one write, one
 * thread-pool round trip and one promise per chunk. libuv loops over IOV_MAX batches and short
 * writes itself; a count that still falls short is an error, never a silently truncated image.
 */
export async function writeParts(path: string, parts: readonly Buffer[], bytes: number): Promise<void> {
  const fh = await open(path, 'w');
  try {
    const { bytesWritten } = await fh.writev(parts);
    if (bytesWritten !== bytes) throw new Error(`short write to ${path}: ${bytesWritten} of ${bytes} bytes`);
  } finally {
    await fh.close();
  }
}

/** Write one printed film; returns its directory. */
export async function spoolFilm(
  dataDir: string,
  o: {
    printer: FilmRecord['printer'];
    job: PrintJob;
    callingAeTitle: string;
    session: FilmSession;
    filmBox: FilmBox;
    presentationLut?: FilmRecord['presentationLut'];
    index: number;
  },
): Promise<string> {
  const films = join(dataDir, 'films');
  const name = `${stamp(o.job.createdAt)}-${o.printer.aeTitle}-${o.job.uid.slice(-12)}-${String(o.index).padStart(2, '0')}`;
  const tmp = join(films, `.tmp-${name}`);
  const final = join(films, name);
  await mkdir(tmp, { recursive: true });
  try {
    const imageBoxes: FilmRecord['imageBoxes'] = [];
    for (const b of o.filmBox.imageBoxes) {
      let image: FilmRecord['imageBoxes'][number]['image'];
      if (b.image) {
        const file = `box-${String(b.position).padStart(3, '0')}.raw`;
        await writeParts(join(tmp, file), partsOf(b.image.pixels), b.image.pixels.length);
        const { pixels, ...rest } = b.image;
        image = { ...rest, file, bytes: pixels.length };
      }
      imageBoxes.push({
        position: b.position,
        uid: b.uid,
        sopClassUid: b.sopClassUid,
        rect: b.rect,
        attributes: b.attributes,
        fit: b.fit,
        minDensity: b.minDensity,
        maxDensity: b.maxDensity,
        requestedDensity: b.requestedDensity,
        statuses: b.statuses,
        image,
      });
    }
    const record: FilmRecord = {
      format: 'lightbox-film/1',
      printer: o.printer,
      job: {
        uid: o.job.uid,
        copies: o.job.copies,
        priority: o.job.priority,
        originator: o.job.originator,
        createdAt: o.job.createdAt.toISOString(),
      },
      callingAeTitle: o.callingAeTitle,
      filmSession: { uid: o.session.uid, attributes: o.session.attributes },
      filmBox: {
        uid: o.filmBox.uid,
        attributes: o.filmBox.attributes,
        layout: o.filmBox.layout,
        matrix: o.filmBox.matrix,
        presentationLutUid: o.filmBox.presentationLutUid,
        requestedDensity: o.filmBox.requestedDensity,
        statuses: o.filmBox.statuses,
      },
      imageBoxes,
      annotations: o.filmBox.annotationBoxes
        .filter((a) => a.text)
        .map((a) => ({ position: a.position, text: a.text })),
      presentationLut: o.presentationLut,
      printedAt: new Date().toISOString(),
    };
    await writeFile(join(tmp, 'film.json'), JSON.stringify(record, null, 1));
    await rename(tmp, final);
    return final;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Remove films left half written by a process that stopped while spooling (start-up only). */
export function removeUnfinishedFilms(dataDir: string): number {
  const films = join(dataDir, 'films');
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(films);
  } catch {
    return 0;
  }
  for (const n of names) {
    if (!n.startsWith('.tmp-')) continue;
    rmSync(join(films, n), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
