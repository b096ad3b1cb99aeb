/**
 * Scenarios' expectations end to end: a started Lightbox with the shipped scenarios, the run
 * verdict fetched over HTTP as CI does (/api/verdicts?callingAe=&scenario=). The repo's own SCU
 * plays a careful and a careless modality for each scenario (careful passes; careless fails with
 * the right finding), and DCMTK's print SCU meets each scenario: what it meets and what it does
 * not is recorded as a fact about a real SCU (dcmprscu exits 0 on failures and never retries).
 * slow-printer is played in slow-printer-e2e.test.ts, on a Lightbox of its own (its 30 s pending
 * jobs would hold the queue for the tests here).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import type { ExpectationResult, Verdict } from '../../src/verdict/model.js';
import type { RunVerdict } from '../../src/verdict/run.js';
import { dcmPrint, generateImages, type PrintOptions, type TestImages } from '../support/dcmprint.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { grayImage, Scu } from '../support/scu.js';

const META = Uid.BasicGrayscalePrintManagementMeta;
let lb: TestLightbox;
let images: TestImages;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-expectations-'));
  [images, lb] = await Promise.all([
    generateImages(join(tmpdir(), 'lightbox-test-images-v1')),
    startLightbox({ logLevel: 'warn', noRender: true, scenariosDir: resolve('scenarios') }),
  ]);
}, 60_000);
afterAll(async () => {
  await lb?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});
afterEach(async () => {
  await lb.app.http.inject({ method: 'DELETE', url: '/api/lab/faults' });
  // A jam leaves the printer in FAILURE, as a real one: the next test wants it NORMAL.
  lb.app.printers[0]!.runtime.setStatus('NORMAL', 'NORMAL');
  await expect.poll(() => lb.app.printers[0]!.runtime.queued, { timeout: 20_000 }).toBe(0);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const arm = async (scenario: string) =>
  expect(
    (
      await lb.app.http.inject({
        method: 'POST',
        url: `/api/lab/scenarios/${scenario}`,
        headers: { 'content-type': 'application/json' },
      })
    ).statusCode,
  ).toBe(200);

/** The run verdict of one calling AE's associations, once all have ended, judged by a scenario. */
async function runVerdict(callingAe: string, scenario: string, n?: number): Promise<RunVerdict> {
  let run!: RunVerdict;
  const url = `/api/verdicts?callingAe=${callingAe}&scenario=${scenario}`;
  await expect
    .poll(
      async () => {
        run = (await lb.app.http.inject({ url })).json();
        return (
          run.associations > 0 &&
          (n === undefined || run.associations === n) &&
          run.verdicts.every((v) => v.complete)
        );
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  return run;
}
const results = (run: RunVerdict) => Object.fromEntries(run.expectations.map((x) => [x.kind, x.result]));
const breaches = (run: RunVerdict, kind: string): ExpectationResult['findings'] =>
  run.expectations.find((x) => x.kind === kind)?.findings ?? [];
const errors = (run: RunVerdict) =>
  run.verdicts.flatMap((v: Verdict) => v.findings.filter((f) => f.severity === 'error').map((f) => f.rule));

// ---------------------------------------------------------------- the repo's SCU as a modality

interface Film {
  s: Scu;
  session: string;
  filmBox: string;
  boxes: string[];
}

async function startFilm(calling: string): Promise<Film> {
  const s = await Scu.open(lb.dicomPort, { calling, abstractSyntaxes: [META, Uid.PrintJob] });
  const session = (await s.nCreate(META, Uid.BasicFilmSession, {})).command.affectedSopInstanceUid!;
  const fb = await s.nCreate(META, Uid.BasicFilmBox, {
    '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] },
    '20100050': { vr: 'CS', Value: ['8INX10IN'] },
    '20100500': {
      vr: 'SQ',
      Value: [
        {
          '00081150': { vr: 'UI', Value: [Uid.BasicFilmSession] },
          '00081155': { vr: 'UI', Value: [session] },
        },
      ],
    },
  });
  expect(fb.command.status).toBe(0);
  const boxes = ((fb.dataset?.['20100510']?.Value ?? []) as DcmDataset[]).map((i) =>
    String(i['00081155']!.Value![0]),
  );
  return { s, session, filmBox: fb.command.affectedSopInstanceUid!, boxes };
}
async function setImage(f: Film, rows: number): Promise<number> {
  const r = await f.s.nSet(META, Uid.BasicGrayscaleImageBox, f.boxes[0]!, {
    '20200010': { vr: 'US', Value: [1] },
    '20200110': { vr: 'SQ', Value: [grayImage(64, rows)] },
  });
  return r.command.status!;
}
const printIt = async (f: Film) => (await f.s.nAction(META, Uid.BasicFilmBox, f.filmBox)).command.status!;
async function finish(f: Film): Promise<void> {
  await f.s.nDelete(META, Uid.BasicFilmSession, f.session);
  await f.s.release();
}
function abort(f: Film): void {
  f.s.destroy();
}
/** One whole film: set a 64x64 image, print, release; the N-ACTION status. */
async function printFilm(calling: string): Promise<number> {
  const f = await startFilm(calling);
  expect(await setImage(f, 64)).toBe(0);
  const status = await printIt(f);
  await finish(f);
  return status;
}

describe('memory-exhausted: the repo SCU', () => {
  it('careful: sends a smaller image again after 0xC605, prints, releases: passes, the 0xC605 is info', async () => {
    await arm('memory-exhausted');
    const f = await startFilm('MEMGOOD');
    expect(await setImage(f, 2048)).toBe(0xc605);
    expect(await setImage(f, 512)).toBe(0);
    expect(await printIt(f)).toBe(0);
    await f.s.waitEvents(3);
    await finish(f);
    const run = await runVerdict('MEMGOOD', 'memory-exhausted');
    expect(results(run)).toEqual({
      'no-print-after-failed-set': 'met',
      'release-after-failure': 'met',
      'answer-events': 'met',
    });
    expect(run).toMatchObject({ verdict: 'pass', counts: { error: 0 } });
    expect(run.verdicts[0]!.findings).toEqual([
      expect.objectContaining({
        rule: 'status.failure',
        severity: 'info',
        fault: expect.stringMatching(/0xC605/),
      }),
    ]);
  });

  it('careless: prints the half-empty film anyway and aborts: fails on both expectations', async () => {
    await arm('memory-exhausted');
    const f = await startFilm('MEMBAD');
    expect(await setImage(f, 2048)).toBe(0xc605);
    // 0xB603: an empty page, a warning; the careless modality prints it all the same.
    expect(await printIt(f)).toBe(0xb603);
    abort(f);
    const run = await runVerdict('MEMBAD', 'memory-exhausted');
    expect(run.verdict).toBe('fail');
    expect(results(run)).toMatchObject({
      'no-print-after-failed-set': 'unmet',
      'release-after-failure': 'unmet',
    });
    expect(breaches(run, 'no-print-after-failed-set')[0]).toMatchObject({
      rule: 'expectation.no-print-after-failed-set',
      message: { type: 'N-ACTION-RQ', sopClass: 'Basic Film Box' },
    });
    expect(breaches(run, 'release-after-failure')[0]!.detail).toMatch(/not by A-RELEASE/);
    expect(errors(run)).toEqual(
      expect.arrayContaining(['expectation.no-print-after-failed-set', 'association.not-released']),
    );
    expect(errors(run)).not.toContain('status.failure');
  });
});

describe('queue-full: the repo SCU', () => {
  it('careful: keeps the job, retries once 5 s later on a new association, gives up: passes', async () => {
    await arm('queue-full');
    expect(await printFilm('QGOOD')).toBe(0xc602);
    await sleep(5200);
    expect(await printFilm('QGOOD')).toBe(0xc602);
    const run = await runVerdict('QGOOD', 'queue-full', 2);
    expect(results(run)).toMatchObject({
      retry: 'met',
      'release-after-failure': 'met',
      'no-duplicate-job': 'not-applicable',
    });
    expect(run.expectations[0]).toMatchObject({ id: 'queue-full#1', triggered: 2 });
    expect(run.verdict).toBe('pass');
  }, 30_000);

  it('careless: a retry storm, five attempts back to back: fails on retry', async () => {
    await arm('queue-full');
    for (let i = 0; i < 5; i++) expect(await printFilm('QBAD')).toBe(0xc602);
    const run = await runVerdict('QBAD', 'queue-full', 5);
    expect(run.verdict).toBe('fail');
    expect(results(run).retry).toBe('unmet');
    const details = breaches(run, 'retry').map((f) => f.detail);
    expect(details.filter((d) => /expected no sooner than 5 s/.test(d))).toHaveLength(4);
    expect(details.filter((d) => /more than 3 retries/.test(d))).toHaveLength(1);
    expect(errors(run).every((r) => r === 'expectation.retry')).toBe(true);
    // One association's verdict (the console's): the expectations over its run, its own breaches.
    const last = run.verdicts.at(-1)!.association;
    const one = (await lb.app.http.inject({ url: `/api/associations/${last}/verdict` })).json() as Verdict;
    expect(one.expectations!.find((x) => x.kind === 'retry')).toMatchObject({
      result: 'unmet',
      triggered: 5,
    });
    expect(one.findings.filter((f) => f.rule === 'expectation.retry').map((f) => f.detail)).toEqual([
      expect.stringMatching(/expected no sooner than 5 s/),
      expect.stringMatching(/more than 3 retries/),
    ]);
    expect(one.verdict).toBe('fail');
    const bad = await lb.app.http.inject({ url: `/api/associations/${last}/verdict?scenario=nope` });
    expect([bad.statusCode, bad.json()]).toEqual([400, { error: 'no scenario nope' }]);
  });
});

describe('refuse-associations: the repo SCU', () => {
  const attempt = (calling: string) =>
    printFilm(calling).then(
      (s) => s,
      (e: Error) => (/association not accepted/.test(e.message) ? 'rejected' : Promise.reject(e)),
    );
  it('careful: retries 2 s apart until accepted: passes, the refusals are info', async () => {
    await arm('refuse-associations');
    const got = [];
    for (let i = 0; i < 4; i++) {
      if (i > 0) await sleep(2100);
      got.push(await attempt('RJGOOD'));
    }
    expect(got).toEqual(['rejected', 'rejected', 'rejected', 0]);
    const run = await runVerdict('RJGOOD', 'refuse-associations', 4);
    expect(results(run)).toEqual({ retry: 'met' });
    expect(run).toMatchObject({ verdict: 'pass', counts: { error: 0, info: 3 } });
  }, 30_000);

  it('careless: hammers the printer: fails on retry', async () => {
    await arm('refuse-associations');
    for (let i = 0; i < 4; i++) await attempt('RJBAD');
    const run = await runVerdict('RJBAD', 'refuse-associations', 4);
    expect(results(run)).toEqual({ retry: 'unmet' });
    expect(breaches(run, 'retry')).toHaveLength(3);
  });
});

/** Print one film under film-jam-mid-job and wait for the jam's Printer FAILURE event. */
async function jam(calling: string): Promise<Film> {
  await arm('film-jam-mid-job');
  const f = await startFilm(calling);
  expect(await setImage(f, 64)).toBe(0);
  expect(await printIt(f)).toBe(0);
  // Job PENDING, PRINTING; the jam: Printer FAILURE to every association, the job FAILURE.
  await expect
    .poll(() => f.s.events.some((e) => e.sopClassUid === Uid.Printer && e.eventTypeId === 3), {
      timeout: 10_000,
    })
    .toBe(true);
  return f;
}

describe('film-jam-mid-job: the repo SCU', () => {
  it('careful: hears the jam, sends no new film box, releases: passes; the failed job is on its verdict', async () => {
    const f = await jam('JAMGOOD');
    await finish(f);
    const run = await runVerdict('JAMGOOD', 'film-jam-mid-job');
    expect(results(run)).toEqual({ 'hold-while-failed': 'met', 'answer-events': 'met' });
    expect(run.verdict).toBe('pass');
    await expect
      .poll(async () => (await runVerdict('JAMGOOD', 'film-jam-mid-job')).verdicts[0]!.jobs?.[0]?.status, {
        timeout: 10_000,
      })
      .toBe('FAILURE');
    expect((await runVerdict('JAMGOOD', 'film-jam-mid-job')).verdicts[0]!.jobs).toEqual([
      expect.objectContaining({ statusInfo: 'FILM JAM' }),
    ]);
  });

  it('careless: starts the next film while the printer is jammed: fails on hold-while-failed', async () => {
    const f = await jam('JAMBAD');
    await finish(f);
    const next = await startFilm('JAMBAD');
    await finish(next);
    const run = await runVerdict('JAMBAD', 'film-jam-mid-job', 2);
    expect(results(run)['hold-while-failed']).toBe('unmet');
    expect(breaches(run, 'hold-while-failed')[0]).toMatchObject({
      association: run.verdicts[1]!.association,
      message: { type: 'N-CREATE-RQ', sopClass: 'Basic Film Box' },
    });
  });
});

describe('a printer left in FAILURE by an earlier fault', () => {
  it("the next modality's refused print is on record as the printer's doing, not held against it", async () => {
    const f = await jam('JAMFIRST');
    await finish(f);
    // The fault is gone; the jam it caused stays, as on a real printer, until someone clears it.
    await lb.app.http.inject({ method: 'DELETE', url: '/api/lab/faults' });
    expect(lb.app.printers[0]!.runtime.status).toBe('FAILURE');
    const next = await startFilm('AFTERJAM');
    expect(await setImage(next, 64)).toBe(0);
    const status = await printIt(next);
    expect(status >> 8).toBeGreaterThanOrEqual(0xa0); // a failure: no print job while jammed
    await finish(next);
    const run = await runVerdict('AFTERJAM', 'film-jam-mid-job');
    const refused = run.verdicts[0]!.findings.find((x) => x.rule === 'status.failure');
    expect(refused).toMatchObject({ severity: 'info', fault: 'printer state: printer FAILURE (FILM JAM)' });
    expect(errors(run)).toEqual([]);
    expect(run.verdict).toBe('pass');
  });
});

describe('abort-mid-session: the repo SCU', () => {
  async function dropped(calling: string): Promise<void> {
    await arm('abort-mid-session');
    const f = await startFilm(calling);
    expect(await setImage(f, 64)).toBe(0);
    await expect(printIt(f)).rejects.toThrow(/closed/);
    f.s.destroy();
  }
  it('careful: sends the unanswered print again once: passes', async () => {
    await dropped('ABGOOD');
    expect(await printFilm('ABGOOD')).toBe(0);
    const run = await runVerdict('ABGOOD', 'abort-mid-session', 2);
    expect(results(run)['no-duplicate-job']).toBe('met');
    expect(run).toMatchObject({ verdict: 'pass', counts: { error: 0 } });
  });
  it('careless: prints it again, and again: a duplicate job', async () => {
    await dropped('ABBAD');
    expect(await printFilm('ABBAD')).toBe(0);
    expect(await printFilm('ABBAD')).toBe(0);
    const run = await runVerdict('ABBAD', 'abort-mid-session', 3);
    expect(results(run)['no-duplicate-job']).toBe('unmet');
    expect(breaches(run, 'no-duplicate-job')[0]).toMatchObject({
      association: run.verdicts[2]!.association,
      detail: expect.stringMatching(/printed the same film as association/),
    });
  });
});

const printerEvents = (f: Film, type: number) =>
  f.s.events.filter((e) => e.sopClassUid === Uid.Printer && e.eventTypeId === type).length;

describe('jobs-fail: the repo SCU', () => {
  it('careful: answers the job events, FAILURE included, with success: passes; the failed job is on its verdict', async () => {
    await arm('jobs-fail');
    const f = await startFilm('JFGOOD');
    expect(await setImage(f, 64)).toBe(0);
    expect(await printIt(f)).toBe(0);
    await f.s.waitEvents(3);
    await finish(f);
    const run = await runVerdict('JFGOOD', 'jobs-fail');
    expect(results(run)).toEqual({ 'answer-events': 'met' });
    expect(run.verdict).toBe('pass');
    expect(run.verdicts[0]!.jobs).toEqual([
      expect.objectContaining({ status: 'FAILURE', statusInfo: 'PRINTER DOWN' }),
    ]);
  });
  it('careless: answers them with a failure: fails on answer-events', async () => {
    await arm('jobs-fail');
    const f = await startFilm('JFBAD');
    f.s.eventStatus = 0x0110;
    expect(await setImage(f, 64)).toBe(0);
    expect(await printIt(f)).toBe(0);
    await f.s.waitEvents(3);
    await finish(f);
    const run = await runVerdict('JFBAD', 'jobs-fail');
    expect(results(run)).toEqual({ 'answer-events': 'unmet' });
    expect(breaches(run, 'answer-events').map((b) => b.detail)).toEqual([
      expect.stringMatching(/^Print Job N-EVENT-REPORT \(event type 1\) answered 0x0110/),
      expect.stringMatching(/event type 2/),
      expect.stringMatching(/event type 4/),
    ]);
  });
});

describe('status-flapping: the repo SCU', () => {
  it('careful: holds the film while FAILURE, prints once NORMAL: passes', async () => {
    await arm('status-flapping');
    const f = await startFilm('FLGOOD');
    expect(await setImage(f, 64)).toBe(0);
    await expect.poll(() => printerEvents(f, 3), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => printerEvents(f, 1), { timeout: 10_000 }).toBe(1);
    expect(await printIt(f)).toBe(0);
    await finish(f);
    const next = await startFilm('FLGOOD');
    await finish(next);
    const run = await runVerdict('FLGOOD', 'status-flapping', 2);
    expect(run.expectations.find((x) => x.kind === 'hold-while-failed')).toMatchObject({
      result: 'met',
      triggered: 1,
    });
  }, 30_000);
  it('careless: starts a new film while the printer is reported FAILURE: fails on hold-while-failed', async () => {
    await arm('status-flapping');
    const f = await startFilm('FLBAD');
    await expect.poll(() => printerEvents(f, 3), { timeout: 10_000 }).toBe(1);
    const next = await startFilm('FLBAD');
    await finish(next);
    await finish(f);
    const run = await runVerdict('FLBAD', 'status-flapping', 2);
    expect(results(run)['hold-while-failed']).toBe('unmet');
  }, 30_000);
});

describe('supply-low: the repo SCU', () => {
  /** Ten films on one association: SUPPLY LOW after 5, SUPPLY EMPTY (FAILURE) after 10. */
  async function tenFilms(calling: string): Promise<Film> {
    await arm('supply-low');
    const first = await startFilm(calling);
    for (let i = 0; i < 10; i++) {
      const f = i === 0 ? first : await nextFilmBox(first);
      expect(await setImage(f, 64)).toBe(0);
      expect(await printIt(f)).toBe(0);
    }
    await expect.poll(() => printerEvents(first, 3), { timeout: 20_000 }).toBe(1);
    return first;
  }
  it('careful: stops at SUPPLY EMPTY: passes', async () => {
    const f = await tenFilms('SUPGOOD');
    await finish(f);
    const run = await runVerdict('SUPGOOD', 'supply-low');
    expect(results(run)).toEqual({ 'hold-while-failed': 'met', 'answer-events': 'met' });
    expect(run.verdict).toBe('pass');
  }, 40_000);
  it('careless: goes on with an eleventh film: fails on hold-while-failed', async () => {
    const f = await tenFilms('SUPBAD');
    await nextFilmBox(f);
    await finish(f);
    const run = await runVerdict('SUPBAD', 'supply-low');
    expect(results(run)['hold-while-failed']).toBe('unmet');
  }, 40_000);
});

/** Another film box in the same film session. */
async function nextFilmBox(f: Film): Promise<Film> {
  const fb = await f.s.nCreate(META, Uid.BasicFilmBox, {
    '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] },
    '20100050': { vr: 'CS', Value: ['8INX10IN'] },
    '20100500': {
      vr: 'SQ',
      Value: [
        {
          '00081150': { vr: 'UI', Value: [Uid.BasicFilmSession] },
          '00081155': { vr: 'UI', Value: [f.session] },
        },
      ],
    },
  });
  const boxes = ((fb.dataset?.['20100510']?.Value ?? []) as DcmDataset[]).map((i) =>
    String(i['00081155']!.Value![0]),
  );
  return { ...f, filmBox: fb.command.affectedSopInstanceUid!, boxes };
}

// ---------------------------------------------------------------- DCMTK, as it is

let jobs = 0;
const dcmtk = (callingAe: string, o: Partial<PrintOptions> = {}) =>
  dcmPrint(
    {
      port: lb.dicomPort,
      calledAe: 'LIGHTBOX',
      callingAe,
      images: [images.ct[3]!],
      columns: 1,
      rows: 1,
      ...o,
    },
    join(work, `dcmtk${++jobs}`),
  );

/**
 * What DCMTK 3.6's dcmprscu does, per scenario: the expectations it meets, those it does not, the
 * verdict, and what else is on record. Facts about a real SCU, not a model: it exits 0 whatever
 * happens, gives a film up after a failure (no N-ACTION) and never retries.
 */
const DCMTK_FACTS: [string, string, Record<string, string>, 'pass' | 'fail', string[]][] = [
  // 0xC605 on its image box N-SET: gives the film up, releases. Meets the scenario.
  [
    'memory-exhausted',
    'DKMEM',
    { 'no-print-after-failed-set': 'met', 'release-after-failure': 'met', 'answer-events': 'not-applicable' },
    'pass',
    ['info status.failure'],
  ],
  // 0xC602 on N-ACTION: releases and does not retry: the queue full means the film is lost.
  [
    'queue-full',
    'DKQUEUE',
    {
      retry: 'unmet',
      'release-after-failure': 'met',
      'no-duplicate-job': 'not-applicable',
      'answer-events': 'not-applicable',
    },
    'fail',
    ['info status.failure', 'error expectation.retry'],
  ],
  // A-ASSOCIATE-RJ transient: gives up at once.
  [
    'refuse-associations',
    'DKREFUSE',
    { retry: 'unmet' },
    'fail',
    ['info association.not-released', 'error expectation.retry'],
  ],
  // Released long before the job reaches PRINTING: nothing to hold, no event; the failed job is on its verdict.
  [
    'film-jam-mid-job',
    'DKJAM',
    { 'hold-while-failed': 'not-applicable', 'answer-events': 'not-applicable' },
    'pass',
    // The jam came after the release: the verdict passes, with the lost film as an info finding.
    ['info job.failed'],
  ],
  // No Print Job SOP class proposed: no job events to answer; the job's FAILURE is on its verdict.
  ['jobs-fail', 'DKJOBS', { 'answer-events': 'not-applicable' }, 'pass', ['info job.failed']],
  // The A-ABORT instead of the N-ACTION answer: the job is lost, not sent again.
  [
    'abort-mid-session',
    'DKABORT',
    { 'no-duplicate-job': 'not-applicable', 'answer-events': 'not-applicable' },
    'pass',
    ['info association.not-released'],
  ],
  // One film: neither SUPPLY LOW (5) nor SUPPLY EMPTY (10) is reached.
  [
    'supply-low',
    'DKSUPPLY',
    { 'hold-while-failed': 'not-applicable', 'answer-events': 'not-applicable' },
    'pass',
    [],
  ],
];

describe('DCMTK print SCU (dcmpsprt + dcmprscu) against the shipped scenarios', () => {
  it.each(DCMTK_FACTS)(
    '%s',
    async (scenario, calling, expected, verdict, findings) => {
      await arm(scenario);
      const r = await dcmtk(calling, scenario === 'memory-exhausted' ? { images: [images.cr] } : {});
      const run = await runVerdict(calling, scenario);
      // Jobs end after DCMTK released: wait for them, as the CI script does.
      await expect
        .poll(
          async () =>
            (await runVerdict(calling, scenario)).verdicts
              .flatMap((v) => v.jobs ?? [])
              .every((j) => j.status === 'DONE' || j.status === 'FAILURE'),
          { timeout: 10_000 },
        )
        .toBe(true);
      const final = await runVerdict(calling, scenario);
      expect(results(final)).toEqual(expected);
      expect(final.verdict).toBe(verdict);
      expect(final.verdicts.flatMap((v) => v.findings.map((f) => `${f.severity} ${f.rule}`))).toEqual(
        findings,
      );
      expect(run.associations).toBe(1);
      const jobs = final.verdicts.flatMap((v) => v.jobs ?? []);
      if (scenario === 'film-jam-mid-job' || scenario === 'jobs-fail') {
        expect(r.errors).toEqual([]);
        expect(jobs).toEqual([
          expect.objectContaining({
            status: 'FAILURE',
            statusInfo: scenario === 'jobs-fail' ? 'PRINTER DOWN' : 'FILM JAM',
            endedAfterRelease: true,
          }),
        ]);
      }
      if (scenario === 'queue-full')
        expect(final.expectations[0]!.findings[0]!.detail).toBe(
          'gave up after 0 retries; expected at least 1',
        );
    },
    60_000,
  );

  it('status-flapping: inside a FAILURE phase, DCMTK reads Printer Status FAILURE and goes on with its film', async () => {
    await arm('status-flapping');
    const runtime = lb.app.printers[0]!.runtime;
    // Start right after a flap to FAILURE: 3 s before the next one, time enough for one print.
    await expect.poll(() => runtime.status, { timeout: 10_000, interval: 20 }).toBe('NORMAL');
    await expect.poll(() => runtime.status, { timeout: 10_000, interval: 20 }).toBe('FAILURE');
    const r = await dcmtk('DKFLAP');
    const run = await runVerdict('DKFLAP', 'status-flapping');
    expect(results(run)).toEqual(FLAP_FACTS.expectations);
    expect(
      run.verdicts.flatMap((v) => v.findings.map((f) => `${f.severity} ${f.rule} ${f.fault ?? ''}`)),
    ).toEqual(FLAP_FACTS.findings);
    expect(run.verdict).toBe('fail');
    // The refusal is all its log says; it still exits 0.
    expect(r.errors).toEqual(['spooler: printer communication failed, unable to print']);
  }, 40_000);
});

/**
 * DCMTK on a flapping printer: dcmprscu reads the Printer's status (N-GET) before its film, gets
 * FAILURE (PRINTER OFFLINE) and creates its film box all the same (hold-while-failed unmet). Its
 * print request is then refused while the printer is FAILURE: the printer's state, not DCMTK's
 * doing (info). Its log says "printer communication failed"; it exits 0.
 */
const FLAP_FACTS = {
  expectations: {
    'hold-while-failed': 'unmet',
    'no-duplicate-job': 'not-applicable',
    'answer-events': 'not-applicable',
  },
  findings: [
    'info status.failure printer state: printer FAILURE (PRINTER OFFLINE)',
    'error expectation.hold-while-failed ',
  ],
};
