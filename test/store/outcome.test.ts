/**
 * What became of films and jobs, computed by the index in SQL: each outcome in its order of
 * precedence, the warnings kept per film (migration 3), listings filtered by outcome a page at a
 * time, and the words the API gives them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFilm, describeJob } from '../../src/http/outcome-words.js';
import type { FilmSummary } from '../../src/store/film-index.js';
import type { JobInput, JobStatus } from '../../src/store/job-log.js';
import { filmWarnings, parseWarnings } from '../../src/store/outcome.js';
import { Store } from '../../src/store/store.js';
import { ENGINES, useEngine } from './engines.js';

let n = 0;
function job(status: JobStatus, statusInfo: string, films: string[]): JobInput {
  return {
    uid: `1.2.826.0.1.${++n}`,
    status,
    statusInfo,
    priority: 'MED',
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
    originator: 'CT',
    printerName: 'LB',
    films,
    copies: 1,
  };
}

function film(id: string, jobUid: string, o: Partial<FilmSummary> = {}): FilmSummary {
  return {
    id,
    printer: 'LIGHTBOX',
    callingAeTitle: 'CT',
    jobUid,
    printedAt: new Date(Date.UTC(2026, 0, 1)).toISOString(),
    imageBoxes: 1,
    bytes: 10,
    render: 'rendered',
    pinned: false,
    warnings: [],
    ...o,
  };
}

describe.each(ENGINES)('outcomes on %s', (kind) => {
  const e = useEngine(kind);
  let store: Store;
  /** One job with one film, as the printer runtime records them. */
  function printed(id: string, status: JobStatus, info: string, o: Partial<FilmSummary> = {}) {
    const j = job(status, info, [id]);
    store.films.add(film(id, j.uid, o));
    store.jobs.add('LIGHTBOX', j, 'a1');
    return j;
  }
  let jam: JobInput;
  let broken: JobInput;
  let warned: JobInput;
  let queued: JobInput;
  let rendering: JobInput;
  let fine: JobInput;
  let older: JobInput;
  beforeAll(() => {
    store = e.store(e.freshDir());
    jam = printed('jammed', 'FAILURE', 'FILM JAM', { warnings: [0xb605] });
    broken = printed('broken', 'DONE', 'NORMAL', { render: 'failed', error: 'sharp: bad input' });
    warned = printed('warned', 'DONE', 'NORMAL', { warnings: [0xb60a, 0xb605] });
    queued = printed('queued', 'PENDING', 'QUEUED');
    rendering = printed('rendering', 'DONE', 'NORMAL', { render: 'pending' });
    fine = printed('fine', 'DONE', 'NORMAL');
    older = printed('older', 'DONE', 'NORMAL', { warnings: undefined });
  });
  afterAll(() => store.close());

  it('each film gets the first outcome that holds: failed job, render failed, warned, pending, ok', () => {
    const outcome = (id: string) => store.films.get(id)?.outcome;
    expect(['jammed', 'broken', 'warned', 'queued', 'rendering', 'fine', 'older'].map(outcome)).toEqual([
      'failed',
      'render-failed',
      'warned',
      'pending',
      'pending',
      'ok',
      'ok',
    ]);
    expect(store.films.get('jammed')).toMatchObject({
      jobStatus: 'FAILURE',
      jobStatusInfo: 'FILM JAM',
      warnings: [0xb605],
    });
    expect(store.films.get('older')!.warnings).toBeUndefined();
  });

  it('a job ending later changes its films outcome: a jam after the release', () => {
    store.jobs.changed({ ...queued, status: 'FAILURE', statusInfo: 'FILM JAM' });
    expect(store.films.get('queued')!.outcome).toBe('failed');
    store.jobs.changed({ ...queued, status: 'PENDING', statusInfo: 'QUEUED' });
  });

  it('jobs get their films outcome and warnings', () => {
    const of = (j: JobInput) => store.jobs.get(j.uid)!;
    expect([jam, broken, warned, queued, rendering, fine, older].map((j) => of(j).outcome)).toEqual([
      'failed',
      'render-failed',
      'warned',
      'pending',
      'pending',
      'ok',
      'ok',
    ]);
    expect(of(warned).warnings).toEqual([0xb605, 0xb60a]);
    expect(of(fine).warnings).toEqual([]);
    expect(of(older).warnings).toBeUndefined();
  });

  it('listings filter by outcome (and films by pinned), a page at a time', () => {
    store.films.setPinned('fine', true);
    const ids = (outcome: FilmSummary['outcome'], limit = 100) =>
      store.films.list({ outcome }, { limit, order: 'asc' }).items.map((f) => f.id);
    expect(ids('failed')).toEqual(['jammed']);
    expect(ids('pending')).toEqual(['queued', 'rendering']);
    expect(ids('ok')).toEqual(['fine', 'older']);
    const first = store.films.list({ outcome: 'pending' }, { limit: 1, order: 'asc' });
    expect(first.items.map((f) => f.id)).toEqual(['queued']);
    expect(
      store.films
        .list({ outcome: 'pending' }, { limit: 1, order: 'asc', cursor: first.next })
        .items.map((f) => f.id),
    ).toEqual(['rendering']);
    expect(store.films.list({ pinned: true }, { limit: 10, order: 'asc' }).items.map((f) => f.id)).toEqual([
      'fine',
    ]);
    expect(
      store.jobs.list({ outcome: 'warned' }, { limit: 10, order: 'asc' }).items.map((j) => j.uid),
    ).toEqual([warned.uid]);
  });

  it('the API says it in words: label, reason, warnings named', () => {
    expect(describeFilm(store.films.get('jammed')!)).toMatchObject({
      result: {
        outcome: 'failed',
        label: 'not delivered: FILM JAM',
        reason:
          'Not delivered: its print job ended in FAILURE (FILM JAM), so this film never came out of the printer. The SCU was warned: 0xB605 Min/Max density out of range.',
        warnings: [{ code: 0xb605, hex: 'B605', category: 'warning' }],
      },
    });
    expect(describeFilm(store.films.get('warned')!)).toMatchObject({
      result: {
        label: 'warned: 0xB605 0xB60A',
        reason: expect.stringMatching(
          /^Delivered, but the SCU was answered with warnings: 0xB605 .*; 0xB60A Image decimated/,
        ),
      },
    });
    expect(describeFilm(store.films.get('broken')!).result).toMatchObject({
      label: 'render failed',
      reason: 'Printed, but Lightbox could not render it: sharp: bad input.',
    });
    expect(describeFilm(store.films.get('rendering')!).result!.label).toBe('rendering');
    expect(describeJob(store.jobs.get(queued.uid)!).result!.label).toBe('queued');
    expect(describeJob(store.jobs.get(jam.uid)!).result!.label).toBe('failed: FILM JAM');
    expect(describeFilm(store.films.get('fine')!).result!.label).toBe('delivered');
    // The word lists replace the codes: the API has no raw `warnings` or `outcome` at the top.
    expect(describeFilm(store.films.get('fine')!)).not.toHaveProperty('warnings');
  });

  it('warnings are the warning statuses among a film box and its image boxes statuses', () => {
    expect(
      filmWarnings({ statuses: [0, 0xb605] }, [{ statuses: [0xb60a, 0x0116] }, { statuses: [0xc603] }, {}]),
    ).toEqual([0x0116, 0xb605, 0xb60a]);
    expect(parseWarnings('[46597]|[]|[46602,46597]')).toEqual([46597, 46602]);
    expect(parseWarnings('not json')).toEqual([]);
    expect(parseWarnings(null)).toBeUndefined();
  });
});

describe('films indexed before warnings were kept', () => {
  it('get them from their film.json at start-up, once; an unreadable one gets none', () => {
    const data = mkdtempSync(join(tmpdir(), 'lightbox-outcome-'));
    try {
      const s = new Store(data);
      const j = job('DONE', 'NORMAL', ['old-warned', 'old-garbled']);
      s.jobs.add('LIGHTBOX', j);
      for (const id of ['old-warned', 'old-garbled']) s.films.add(film(id, j.uid, { warnings: undefined }));
      mkdirSync(join(data, 'films', 'old-warned'));
      writeFileSync(
        join(data, 'films', 'old-warned', 'film.json'),
        JSON.stringify({
          filmBox: { uid: '1', statuses: [0xb605] },
          imageBoxes: [{ statuses: [0, 0xb609] }],
        }),
      );
      mkdirSync(join(data, 'films', 'old-garbled'));
      writeFileSync(join(data, 'films', 'old-garbled', 'film.json'), '{');
      expect(s.films.get('old-warned')!.outcome).toBe('ok');
      s.filmFiles.recover(s.films);
      expect(s.films.get('old-warned')).toMatchObject({ warnings: [0xb605, 0xb609], outcome: 'warned' });
      expect(s.films.get('old-garbled')!.warnings).toEqual([]);
      expect(s.films.withoutWarnings()).toEqual([]);
      s.close();
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
