/**
 * The slow-printer scenario end to end, on a Lightbox of its own (its 30 s pending jobs would hold
 * the queue of the other scenario tests). The printer answers late (film box 2 s, image box 0.5 s,
 * print request 5 s): a careful modality waits for the answer; a careless one gives up after 3 s
 * and prints the film again on a new association, and the printer, which had made the job all the
 * same, now prints it twice: no-duplicate-job names the job whose answer was not waited for. DCMTK's
 * dcmprscu has no DIMSE timeout: it waits, as a fact about a real SCU. Two films that differ only
 * in their pixels are two films, not a duplicate: the record keeps each image's digest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import type { RunVerdict } from '../../src/verdict/run.js';
import { dcmPrint, generateImages, type TestImages } from '../support/dcmprint.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { grayImage, openFilmBox, Scu } from '../support/scu.js';

const META = Uid.BasicGrayscalePrintManagementMeta;
let lb: TestLightbox;
let images: TestImages;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-slow-printer-'));
  [images, lb] = await Promise.all([
    generateImages(join(tmpdir(), 'lightbox-test-images-v1')),
    startLightbox({ logLevel: 'warn', noRender: true, scenariosDir: resolve('scenarios') }),
  ]);
  const armed = await lb.app.http.inject({
    method: 'POST',
    url: '/api/lab/scenarios/slow-printer',
    headers: { 'content-type': 'application/json' },
  });
  expect(armed.statusCode).toBe(200);
}, 60_000);
afterAll(async () => {
  await lb?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise<'late'>((r) => setTimeout(() => r('late'), ms));

async function runVerdict(callingAe: string, n: number): Promise<RunVerdict> {
  let run!: RunVerdict;
  const url = `/api/verdicts?callingAe=${callingAe}&scenario=slow-printer`;
  await expect
    .poll(
      async () => {
        run = (await lb.app.http.inject({ url })).json();
        return run.associations === n && run.verdicts.every((v) => v.complete);
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  return run;
}
const results = (run: RunVerdict) => Object.fromEntries(run.expectations.map((x) => [x.kind, x.result]));

/** One association up to the print request: the same session, film box and image every time. */
async function upToPrint(calling: string, seed = 0): Promise<{ s: Scu; print: Promise<number> }> {
  const s = await Scu.open(lb.dicomPort, { calling, abstractSyntaxes: [META, Uid.PrintJob] });
  const { filmBox, imageBox } = await openFilmBox(s, '8INX10IN');
  const set = await s.nSet(META, Uid.BasicGrayscaleImageBox, imageBox, {
    '20200010': { vr: 'US', Value: [1] },
    '20200110': { vr: 'SQ', Value: [seed ? otherImage(seed) : grayImage(64, 64)] },
  });
  expect(set.command.status).toBe(0);
  const print = s.nAction(META, Uid.BasicFilmBox, filmBox).then((r) => r.command.status!);
  return { s, print };
}

/** A 64x64 image like grayImage's, other pixels: the same attributes, another film. */
function otherImage(seed: number): DcmDataset {
  const px = new Uint8Array(64 * 64 * 2).map((_, i) => (i * seed) & 0xff);
  return { ...grayImage(64, 64), '7FE00010': { vr: 'OW', Value: [px.buffer] } };
}

describe('slow-printer', () => {
  it('careful: waits 5 s for the print answer, releases: one job, passes', async () => {
    const { s, print } = await upToPrint('SLOWGOOD');
    expect(await print).toBe(0);
    await s.release();
    const run = await runVerdict('SLOWGOOD', 1);
    expect(results(run)).toMatchObject({ 'no-duplicate-job': 'met' });
    expect(run.verdict).toBe('pass');
    expect(run.verdicts.flatMap((v) => v.jobs ?? [])).toHaveLength(1);
  }, 30_000);

  it('careless: gives up after 3 s and prints the film again: two jobs, fails on no-duplicate-job', async () => {
    const first = await upToPrint('SLOWBAD');
    expect(await Promise.race([first.print, sleep(3000)])).toBe('late');
    first.s.destroy();
    first.print.catch(() => undefined);
    const again = await upToPrint('SLOWBAD');
    expect(await again.print).toBe(0);
    await again.s.release();
    const run = await runVerdict('SLOWBAD', 2);
    // The printer made the first job although its answer never arrived: the film prints twice.
    expect(run.verdicts.flatMap((v) => v.jobs ?? [])).toHaveLength(2);
    expect(results(run)['no-duplicate-job']).toBe('unmet');
    const breach = run.expectations.find((x) => x.kind === 'no-duplicate-job')!.findings[0]!;
    expect(breach).toMatchObject({
      association: run.verdicts[1]!.association,
      message: { type: 'N-ACTION-RQ', sopClass: 'Basic Film Box' },
    });
    expect(breach.detail).toMatch(/made job .+ although its answer was not waited for/);
    expect(run.verdict).toBe('fail');
  }, 40_000);

  it('careful, two films: the same attributes, other pixels, one after the other: two jobs, no duplicate', async () => {
    for (const seed of [0, 7]) {
      const { s, print } = await upToPrint('SLOWTWO', seed);
      expect(await print).toBe(0);
      await s.release();
    }
    const run = await runVerdict('SLOWTWO', 2);
    // The pixels' digests (taken while they streamed to disk) differ: not the same film.
    expect(results(run)).toMatchObject({ 'no-duplicate-job': 'met' });
    expect(run.verdicts.flatMap((v) => v.jobs ?? [])).toHaveLength(2);
  }, 40_000);

  it('DCMTK (no DIMSE timeout in dcmprscu) waits for every late answer: one job, passes', async () => {
    const r = await dcmPrint(
      {
        port: lb.dicomPort,
        calledAe: 'LIGHTBOX',
        callingAe: 'DKSLOW',
        images: [images.ct[3]!],
        columns: 1,
        rows: 1,
      },
      join(work, 'dcmtk'),
    );
    expect(r.errors).toEqual([]);
    const run = await runVerdict('DKSLOW', 1);
    expect(results(run)).toEqual({ 'no-duplicate-job': 'met', 'answer-events': 'not-applicable' });
    expect(run.verdict).toBe('pass');
  }, 40_000);
});
