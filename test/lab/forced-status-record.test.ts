/**
 * A status forced by a lab fault (a warning on an image box N-SET) is what the SCU got, so it is
 * also what the film keeps: film.json's statuses for that box, the film's warnings in the index
 * (its outcome "warned") and the film view's "SCU got". Before, the handler's own 0x0000 was kept.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Uid } from '../../src/dicom/uids.js';
import { readFilm } from '../../src/scu/film-source.js';
import type { TestLightbox } from '../support/lightbox.js';
import { armFault, startRealPrinter } from '../support/real-printer.js';
import { grayImage, openFilmBox, Scu } from '../support/scu.js';

let lb: TestLightbox;
beforeAll(async () => {
  lb = await startRealPrinter();
}, 30_000);
afterAll(() => lb?.stop());

it('a forced 0xB605 on an image box is kept as the status the SCU got', async () => {
  await armFault(lb, {
    kind: 'response',
    command: 'N-SET',
    sopClass: 'Basic Grayscale Image Box',
    status: '0xB605',
    errorComment: 'FORCED',
  });
  const meta = Uid.BasicGrayscalePrintManagementMeta;
  const scu = await Scu.open(lb.dicomPort, { called: 'LIGHTBOX', abstractSyntaxes: [meta] });
  const boxes = await openFilmBox(scu);
  const set = await scu.nSet(meta, Uid.BasicGrayscaleImageBox, boxes.imageBox, {
    '20200010': { vr: 'US', Value: [1] },
    '20200110': { vr: 'SQ', Value: [grayImage(64, 64)] },
  });
  expect(set.command.status).toBe(0xb605);
  expect((await scu.nAction(meta, Uid.BasicFilmBox, boxes.filmBox)).command.status).toBe(0);
  await scu.release();
  const film = lb.app.store.films.list({}, { limit: 1, order: 'desc' }).items[0]!;
  expect(readFilm(lb.app.store.filmFiles, film.id).imageBoxes[0]!.statuses).toEqual([0xb605]);
  expect(film.warnings).toEqual([0xb605]);
}, 30_000);
