/**
 * Printed films on disk, so they survive the association and a restart and can be rendered:
 * one directory per film under <data-dir>/films/, holding film.json (everything the printer was
 * told and decided) and one raw pixel file per image box. Every file is fsynced and the directory
 * written under a temporary name, fsynced and renamed into place (then the films directory
 * fsynced): once spoolFilm resolves the film survives a crash, and before that nothing of it shows.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { partsOf } from '../dicom/chunked-bytes.js';
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import { SpilledValue } from '../dicom/spilled-value.js';
import type { FilmPlace } from '../profiles/profile-schema.js';
import { renameSynced, syncDir, writeSynced, writeUnsynced } from '../store/durable-fs.js';
import type { FilmFiles } from '../store/film-files.js';
import type { FilmSummary } from '../store/film-index.js';
import { filmWarnings } from '../store/outcome.js';
import type { Staging } from '../store/staging.js';
import type { FilmBox, FilmSession, KeptAnswer, PrintJob } from './model.js';

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
    /** The profile's measured characteristic curve, when it has one. */
    characteristicCurve?: {
      illumination?: number;
      reflectedAmbient?: number;
      points: { p: number; od: number }[];
    };
  };
  job: { uid: string; copies: number; priority: string; originator: string; createdAt: string };
  callingAeTitle: string;
  /** The association that printed it (absent in older films). */
  associationId?: string;
  filmSession: { uid: string; attributes: DcmDataset };
  filmBox: {
    uid: string;
    attributes: DcmDataset;
    layout: FilmBox['layout'];
    matrix: FilmBox['matrix'];
    /** Where the text prints and the image area it leaves; absent in older films (text over the images). */
    text?: FilmBox['text'];
    presentationLutUid?: string;
    /** Absent in films written before it was recorded. */
    requestedDensity?: { min?: number; max?: number };
    statuses: number[];
    /** The answers behind `statuses`, with Error Comments (absent in older films). */
    answers?: KeptAnswer[];
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
    answers?: KeptAnswer[];
    image?: Omit<NonNullable<FilmBox['imageBoxes'][number]['image']>, 'pixels'> & {
      file: string;
      bytes: number;
    };
  }[];
  annotations: { position: number; text: string }[];
  presentationLut?: { shape?: string; descriptor?: number[]; data?: number[] };
  printedAt: string;
}

/** An image box's pixel file in its film's directory. */
const boxFile = (position: number) => `box-${String(position).padStart(3, '0')}.raw`;

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

/** Write one printed film durably; resolves with its index entry once it survives a crash. */
export async function spoolFilm(
  files: FilmFiles,
  staging: Staging,
  o: {
    printer: FilmRecord['printer'];
    job: PrintJob;
    callingAeTitle: string;
    associationId?: string;
    session: FilmSession;
    filmBox: FilmBox;
    presentationLut?: FilmRecord['presentationLut'];
    index: number;
  },
): Promise<FilmSummary> {
  const id = `${stamp(o.job.createdAt)}-${o.printer.aeTitle}-${o.job.uid.slice(-12)}-${String(o.index).padStart(2, '0')}`;
  const tmp = files.tmpDir(id);
  await mkdir(tmp, { recursive: true });
  try {
    const imageBoxes: FilmRecord['imageBoxes'] = [];
    let bytes = 0;
    for (const b of o.filmBox.imageBoxes) {
      let image: FilmRecord['imageBoxes'][number]['image'];
      if (b.image) {
        const { pixels, ...rest } = b.image;
        image = { ...rest, file: boxFile(b.position), bytes: pixels.length };
        bytes += pixels.length;
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
        answers: b.answers,
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
      associationId: o.associationId,
      filmSession: { uid: o.session.uid, attributes: o.session.attributes },
      filmBox: {
        uid: o.filmBox.uid,
        attributes: o.filmBox.attributes,
        layout: o.filmBox.layout,
        matrix: o.filmBox.matrix,
        text: o.filmBox.text,
        presentationLutUid: o.filmBox.presentationLutUid,
        requestedDensity: o.filmBox.requestedDensity,
        statuses: o.filmBox.statuses,
        answers: o.filmBox.answers,
      },
      imageBoxes,
      annotations: o.filmBox.annotationBoxes
        .filter((a) => a.text)
        .map((a) => ({ position: a.position, text: a.text })),
      presentationLut: o.presentationLut,
      printedAt: new Date().toISOString(),
    };
    const json = Buffer.from(JSON.stringify(record, null, 1));
    bytes += json.length;
    // Staged images (written and fdatasynced since their N-SET) are linked in while film.json is
    // written; then one flush makes film.json's data and every name in the directory durable.
    const links = Promise.all(
      o.filmBox.imageBoxes.map(async (b) => {
        if (!b.image) return;
        const path = join(tmp, boxFile(b.position));
        const pixels = b.image.pixels;
        if (b.staged) await staging.linkInto(b.staged, path);
        else if (pixels instanceof SpilledValue)
          throw new Error(`image ${b.position} was streamed but not staged`);
        else await writeSynced(path, partsOf(pixels), pixels.length);
      }),
    );
    const [linked, written] = await Promise.allSettled([
      links,
      writeUnsynced(join(tmp, 'film.json'), [json], json.length),
    ]);
    if (written.status === 'rejected') throw linked.status === 'rejected' ? linked.reason : written.reason;
    const fh = written.value;
    try {
      if (linked.status === 'rejected') throw linked.reason;
      await Promise.all([fh.datasync(), syncDir(tmp)]);
    } finally {
      await fh.close();
    }
    await renameSynced(tmp, files.local(id));
    return {
      id,
      printer: o.printer.aeTitle,
      callingAeTitle: o.callingAeTitle,
      jobUid: o.job.uid,
      filmBoxUid: o.filmBox.uid,
      associationId: o.associationId,
      printedAt: record.printedAt,
      imageBoxes: imageBoxes.filter((b) => b.image).length,
      bytes,
      render: 'pending',
      pinned: false,
      warnings: filmWarnings(record.filmBox, imageBoxes),
    };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}
