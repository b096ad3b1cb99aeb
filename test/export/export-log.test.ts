/**
 * The export jobs in the store and the queue's rules, without peers: states, due order, backoff,
 * recovery of an attempt a crash interrupted, what retention must keep; the queue with a sender
 * that fails then succeeds; the DICOM identity rules and the Part 10 framing byte by byte.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileMeta, pixelDataHeader } from '../../src/dicom/part10.js';
import { EventBus } from '../../src/events.js';
import { ExportQueue, retryDelay } from '../../src/export/export-queue.js';
import { ExportError } from '../../src/export/sender.js';
import { derivedUid, filmDataset } from '../../src/output/film-dicom.js';
import type { FilmRecord } from '../../src/print/spool.js';
import type { RenderRecord } from '../../src/render/film.js';
import { type Db, openDatabase } from '../../src/store/database.js';
import { ExportLog } from '../../src/store/export-log.js';
import { Store } from '../../src/store/store.js';
import { ENGINES, useEngine } from '../store/engines.js';

describe.each(ENGINES)('ExportLog on %s', (kind) => {
  const e = useEngine(kind);
  let db: Db;
  let log: ExportLog;
  beforeEach(() => {
    db = openDatabase(e.location(e.freshDir()));
    log = new ExportLog(db);
  });
  afterEach(() => db.close());

  const targets = [
    { name: 'a', kind: 'directory' },
    { name: 'b', kind: 'c-store' },
  ];

  it('one job per film and target, queued and due at once; a second add changes nothing', () => {
    log.add('f1', 'P', targets, 1000);
    log.add('f1', 'P', targets, 5000);
    const jobs = log.forFilm('f1');
    expect(jobs.map((j) => [j.target, j.state, j.attempts, j.nextAt])).toEqual([
      ['a', 'queued', 0, 1000],
      ['b', 'queued', 0, 1000],
    ]);
    expect(log.due(999, 10)).toEqual([]);
    expect(log.due(1000, 10).length).toBe(2);
  });

  it('sending, failed with a retry, sent; counts by target and state', () => {
    log.add('f1', 'P', targets, 1000);
    const [a, b] = log.forFilm('f1');
    expect(log.sending(a!.id)).toBe(true);
    // Taken: another instance sharing the database does not send it too.
    expect(log.sending(a!.id)).toBe(false);
    log.failed(a!.id, 'peer said no', 9000);
    expect(log.sending(b!.id)).toBe(true);
    log.sent(b!.id);
    expect(log.sending(b!.id)).toBe(false);
    expect(log.get(a!.id)).toMatchObject({
      state: 'failed',
      attempts: 1,
      nextAt: 9000,
      error: 'peer said no',
    });
    expect(log.get(b!.id)).toMatchObject({ state: 'sent', attempts: 1 });
    expect(log.get(b!.id)!.nextAt).toBeUndefined();
    expect(log.due(8999, 10)).toEqual([]);
    expect(log.due(9000, 10).map((j) => j.id)).toEqual([a!.id]);
    expect(log.nextDue()).toBe(9000);
    expect(log.counts()).toEqual([
      { target: 'a', state: 'failed', n: 1 },
      { target: 'b', state: 'sent', n: 1 },
    ]);
  });

  it('a crash during an attempt: queued again at start-up; retention keeps unsent films only', () => {
    log.add('f1', 'P', targets, 1000);
    log.add('f2', 'P', [targets[0]!], 1000);
    log.add('f3', 'P', [targets[0]!], 1000);
    const [a] = log.forFilm('f1');
    log.sending(a!.id);
    const [f2] = log.forFilm('f2');
    log.sending(f2!.id);
    log.sent(f2!.id);
    const [f3] = log.forFilm('f3');
    log.failed(f3!.id, 'film did not render', undefined);
    // Instances sharing the database: an attempt younger than the bound may be another's, under way.
    expect(log.recover(new Date(Date.now() - 600_000).toISOString())).toBe(0);
    expect(log.get(a!.id)!.state).toBe('sending');
    expect(log.recover()).toBe(1);
    expect(log.get(a!.id)!.state).toBe('queued');
    expect([...log.unsentFilms()]).toEqual(['f1']);
    expect(log.resend(f3!.id)).toBe(true);
    expect(log.get(f3!.id)).toMatchObject({ state: 'queued', attempts: 0 });
    log.removeFilm('f1');
    expect(log.forFilm('f1')).toEqual([]);
  });

  it('backoff doubles from the base up to the cap', () => {
    const b = { baseMs: 5000, maxMs: 600_000 };
    expect([1, 2, 3, 4, 8, 9, 50].map((n) => retryDelay(n, b))).toEqual([
      5000, 10_000, 20_000, 40_000, 600_000, 600_000, 600_000,
    ]);
  });
});

describe('ExportQueue', () => {
  it('retries a failing sender with backoff until it takes the film, and says so in events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lightbox-export-queue-'));
    const store = new Store(dir);
    try {
      store.films.add({
        id: 'f1',
        printer: 'P',
        callingAeTitle: 'SCU',
        jobUid: '1.2.3',
        printedAt: new Date().toISOString(),
        imageBoxes: 1,
        bytes: 0,
        render: 'rendered',
        pinned: false,
      });
      let calls = 0;
      const events = new EventBus();
      const seen: string[] = [];
      events.subscribe((e) => {
        if (e.type === 'export') seen.push(`${e.state}:${e.attempts}${e.error ? `:${e.error}` : ''}`);
      });
      const q = new ExportQueue({
        store,
        targets: () => [{ name: 'x', type: 'directory', path: dir, formats: ['pdf'] }],
        events,
        log: pino({ level: 'silent' }),
        software: 'Lightbox',
        backoff: { baseMs: 20, maxMs: 40 },
        sender: () => ({
          send: async () => {
            if (++calls < 3) throw new ExportError(`busy ${calls}`);
          },
        }),
      });
      q.start();
      q.add('f1', 'P');
      q.kick();
      await expect.poll(() => store.exports.forFilm('f1')[0]?.state, { timeout: 5000 }).toBe('sent');
      expect(seen).toEqual(['failed:1:busy 1', 'failed:2:busy 2', 'sent:3']);
      await q.stop();
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('film DICOM identity and framing', () => {
  const render = { width: 10, height: 20, dpi: 320, viewing: { illumination: 2000, reflectedAmbient: 10 } };
  const film = (identities: (Record<string, string> | undefined)[]): FilmRecord =>
    ({
      printer: { aeTitle: 'P', name: 'Printer' },
      job: { uid: '1.2.3.4', createdAt: '2026-12-03T07:00:00.000Z' },
      callingAeTitle: 'SCU',
      filmSession: { uid: '9', attributes: { '20000050': { vr: 'LO', Value: ['LABEL'] } } },
      filmBox: { attributes: {} },
      imageBoxes: identities.map((id) => ({
        image: id
          ? {
              identity: Object.fromEntries(Object.entries(id).map(([t, v]) => [t, { vr: 'LO', Value: [v] }])),
            }
          : {},
      })),
      printedAt: '2026-12-03T07:00:01.000Z',
    }) as unknown as FilmRecord;
  const ds = (f: FilmRecord) =>
    filmDataset({
      id: 'x-01',
      film: f,
      render: render as RenderRecord,
      depth: 8,
      color: false,
      software: 'Lightbox',
    });

  it('takes the images identity when they agree; otherwise defaults and a study per job', () => {
    const same = ds(
      film([{ '00100020': 'P1', '0020000D': '1.2.9' }, undefined, { '00100020': 'P1', '0020000D': '1.2.9' }]),
    );
    expect(same['00100020']!.Value).toEqual(['P1']);
    expect(same['0020000D']!.Value).toEqual(['1.2.9']);
    const differ = ds(film([{ '00100020': 'P1' }, { '00100020': 'P2' }]));
    expect(differ['00100020']!.Value).toEqual([]);
    expect(differ['0020000D']!.Value).toEqual([derivedUid('lightbox study 1.2.3.4')]);
    expect(differ['00081030']!.Value).toEqual(['LABEL']);
    expect(differ['00200013']!.Value).toEqual(['2']);
    expect(derivedUid('a')).toMatch(/^2\.25\.[1-9]\d{0,38}$/);
    expect(derivedUid('a')).toBe(derivedUid('a'));
  });

  it('Part 10: preamble, DICM, group length; Pixel Data headers in both VRs', () => {
    const m = fileMeta({ sopClassUid: '1.2', sopInstanceUid: '1.3' });
    expect(m.subarray(0, 128).every((b) => b === 0)).toBe(true);
    expect(m.toString('latin1', 128, 132)).toBe('DICM');
    // (0002,0000) UL 4, the length of everything after it.
    expect([...m.subarray(132, 140)]).toEqual([2, 0, 0, 0, 0x55, 0x4c, 4, 0]);
    expect(m.readUInt32LE(140)).toBe(m.length - 144);
    expect([...pixelDataHeader('OB', 6)]).toEqual([0xe0, 0x7f, 0x10, 0, 0x4f, 0x42, 0, 0, 6, 0, 0, 0]);
    expect([...pixelDataHeader('OW', 6, false)]).toEqual([0xe0, 0x7f, 0x10, 0, 6, 0, 0, 0]);
  });
});
