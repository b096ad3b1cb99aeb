/**
 * The store's index: pages, filters, ids unique across restarts, job history, reconciliation with
 * the films directory. Each on SQLite and on PostgreSQL.
 */
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AssociationSummary } from '../../src/store/association-record.js';
import type { FilmSummary } from '../../src/store/film-index.js';
import { ENGINES, useEngine } from './engines.js';

const film = (i: number, o: Partial<FilmSummary> = {}): FilmSummary => ({
  id: `film-${String(i).padStart(4, '0')}`,
  printer: i % 2 ? 'ODD' : 'EVEN',
  callingAeTitle: 'CT1',
  jobUid: `1.2.${i}`,
  printedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  imageBoxes: 1,
  bytes: 100,
  render: 'pending',
  pinned: false,
  ...o,
});

const association = (id: string, o: Partial<AssociationSummary> = {}): AssociationSummary => ({
  id,
  peer: '127.0.0.1:5000',
  callingAeTitle: 'CT1',
  calledAeTitle: 'LIGHTBOX',
  printer: 'LIGHTBOX',
  startedAt: new Date().toISOString(),
  endedAt: new Date().toISOString(),
  state: 'Sta1',
  ending: 'released',
  detail: '',
  contexts: ['1:Verification:ImplicitVRLittleEndian'],
  acceptedContexts: [{ id: 1, abstractSyntax: '1.2.840.10008.1.1', transferSyntax: '1.2.840.10008.1.2' }],
  messages: [
    { at: 1, direction: 'in', type: 'C-ECHO-RQ', contextId: 1, messageId: 1, datasetBytes: 0 },
    {
      at: 2,
      direction: 'out',
      type: 'C-ECHO-RSP',
      contextId: 1,
      messageId: 1,
      status: 0xb605,
      datasetBytes: 0,
    },
  ],
  faults: [],
  ...o,
});

describe.each(ENGINES)('on %s', (kind) => {
  const e = useEngine(kind);

  describe('films', () => {
    it('pages through 250 films by cursor in both orders, every film once, filters applied in the database', () => {
      const store = e.store();
      for (let i = 1; i <= 250; i++) store.films.add(film(i));
      const walk = (order: 'asc' | 'desc', filter = {}) => {
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = store.films.list(filter, { limit: 40, cursor, order });
          expect(page.items.length).toBeLessThanOrEqual(40);
          seen.push(...page.items.map((f) => f.id));
          cursor = page.next;
        } while (cursor);
        return seen;
      };
      const asc = walk('asc');
      expect(asc).toHaveLength(250);
      expect(new Set(asc).size).toBe(250);
      expect(walk('desc')).toEqual([...asc].reverse());
      expect(walk('asc', { printer: 'ODD' })).toHaveLength(125);
      expect(walk('asc', { since: new Date(Date.UTC(2026, 0, 1, 0, 3, 20)).toISOString() })).toHaveLength(51);
      expect(store.films.list({}, { limit: 250, order: 'asc' }).next).toBeUndefined();
      store.close();
    });

    it('records render outcomes, pins, removals and totals', () => {
      const store = e.store();
      store.films.add(film(1));
      store.films.add(film(2));
      store.films.setRender('film-0001', 'failed', 'ENOSPC', 500);
      expect(store.films.get('film-0001')).toMatchObject({ render: 'failed', error: 'ENOSPC', bytes: 500 });
      expect(store.films.list({ status: 'failed' }, { limit: 10, order: 'asc' }).items).toHaveLength(1);
      expect(store.films.setPinned('film-0002', true)).toBe(true);
      expect(store.films.oldestUnpinned(10).map((f) => f.id)).toEqual(['film-0001']);
      expect(store.films.totals()).toEqual({ films: 2, bytes: 600, pinned: 1 });
      expect(store.films.remove('film-0001')).toBe(true);
      expect(store.films.get('film-0001')).toBeUndefined();
      expect(store.films.setPinned('nope', true)).toBe(false);
      store.close();
    });

    it('at start-up: removes temporary leftovers, indexes unindexed films, lists unreadable ones as broken, drops rows without a directory', () => {
      const data = e.freshDir();
      const store = e.store(data);
      store.films.add(film(1));
      store.films.add(film(2));
      const films = join(data, 'films');
      mkdirSync(join(films, 'film-0001'));
      mkdirSync(join(films, '.tmp-half-written'));
      writeFileSync(join(films, '.tmp-half-written', 'box-001.raw'), 'x');
      mkdirSync(join(films, 'found-again'));
      writeFileSync(
        join(films, 'found-again', 'film.json'),
        JSON.stringify({
          printer: { aeTitle: 'LIGHTBOX' },
          callingAeTitle: 'MR1',
          associationId: 'a7',
          job: { uid: '1.9' },
          filmBox: { uid: '1.9.1' },
          imageBoxes: [{ image: {} }, {}],
          printedAt: '2026-02-02T00:00:00.000Z',
        }),
      );
      mkdirSync(join(films, 'garbled'));
      writeFileSync(join(films, 'garbled', 'film.json'), '');
      writeFileSync(join(films, 'film-0001', 'film.png.tmp'), 'half a render');
      // Shared films directory (PostgreSQL): a temporary entry is another instance's work unless old.
      mkdirSync(join(films, '.tmp-another-instance-writing'));
      const hoursAgo = new Date(Date.now() - 2 * 3_600_000);
      if (kind === 'postgres') utimesSync(join(films, '.tmp-half-written'), hoursAgo, hoursAgo);
      const r = store.filmFiles.recover(store.films);
      expect(r).toEqual({ removed: kind === 'sqlite' ? 3 : 1, indexed: 2, dropped: 1, broken: ['garbled'] });
      expect(existsSync(join(films, '.tmp-another-instance-writing'))).toBe(kind === 'postgres');
      expect(existsSync(join(films, '.tmp-half-written'))).toBe(false);
      expect(store.films.get('found-again')).toMatchObject({
        printer: 'LIGHTBOX',
        callingAeTitle: 'MR1',
        associationId: 'a7',
        jobUid: '1.9',
        imageBoxes: 1,
        render: 'pending',
      });
      expect(store.films.get('garbled')).toMatchObject({
        render: 'broken',
        error: expect.stringMatching(/film.json/),
      });
      expect(store.films.get('film-0002')).toBeUndefined();
      store.close();
    });
  });

  describe('associations', () => {
    it('never reuse an id, across restarts and crashes (ids are reserved in blocks)', () => {
      const data = e.freshDir();
      const first = e.store(data);
      const a = first.associations.nextId();
      const b = first.associations.nextId();
      first.associations.ended(association(b));
      // No close: as after a crash.
      const second = e.store(data);
      const c = second.associations.nextId();
      expect(new Set([a, b, c]).size).toBe(3);
      expect(Number(c.slice(1))).toBeGreaterThan(Number(b.slice(1)));
      first.close();
      second.close();
    });

    it("another instance's open associations (its events) are listed, naming it, until they end or it is gone", () => {
      const store = e.store(e.freshDir());
      const open = () => store.associations.list({ active: true }, { limit: 10, order: 'asc' }).items;
      const remote = (id: string) =>
        store.associations.remoteOpened({
          id,
          instance: 'other-1',
          peer: '10.0.0.9:4000',
          callingAeTitle: 'CT9',
          calledAeTitle: 'LIGHTBOX',
          printer: 'LIGHTBOX',
          startedAt: new Date().toISOString(),
        });
      remote('a900001');
      remote('a900002');
      expect(open()).toMatchObject([
        { id: 'a900001', instance: 'other-1', callingAeTitle: 'CT9', messageCount: 0 },
        { id: 'a900002', instance: 'other-1' },
      ]);
      expect(store.associations.list({ callingAe: 'CT1' }, { limit: 10, order: 'asc' }).items).toEqual([]);
      expect(store.associations.get('a900001')).toMatchObject({ instance: 'other-1', ending: 'open' });
      store.associations.remoteClosed('a900001');
      expect(open().map((x) => x.id)).toEqual(['a900002']);
      store.associations.keepRemote(new Set(['other-2']));
      expect(open()).toEqual([]);
      store.close();
    });

    it('come back with every message after a restart; live ones are listed beside stored ones', () => {
      const data = e.freshDir();
      const store = e.store(data);
      const ended = association(store.associations.nextId());
      store.associations.ended(ended);
      const liveId = store.associations.nextId();
      store.associations.opened(liveId, () => association(liveId, { endedAt: undefined }));
      const all = store.associations.list({}, { limit: 10, order: 'asc' }).items;
      expect(all.map((x) => x.id)).toEqual([ended.id, liveId]);
      expect(all[0]).toMatchObject({ messageCount: 2, warnings: 1, failures: 0 });
      expect(
        store.associations.list({ active: true }, { limit: 10, order: 'asc' }).items.map((x) => x.id),
      ).toEqual([liveId]);
      store.close();
      const again = e.store(data);
      // On a shared database the record names the instance it was with.
      expect(again.associations.get(ended.id)).toEqual(
        store.instances.shared ? { ...ended, instance: store.instances.id } : ended,
      );
      again.close();
    });
  });

  describe('jobs', () => {
    it('keep every state they went through, and say which were left unfinished', () => {
      const store = e.store();
      const job = {
        uid: '1.2.3',
        status: 'PENDING' as const,
        statusInfo: 'QUEUED',
        priority: 'MED',
        createdAt: new Date(),
        originator: 'CT1',
        printerName: 'P',
        films: ['f1'],
        copies: 1,
      };
      store.jobs.add('LIGHTBOX', job, 'a1');
      expect(store.jobs.unfinished().map((j) => j.uid)).toEqual(['1.2.3']);
      store.jobs.changed({ ...job, status: 'PRINTING', statusInfo: 'NORMAL' });
      store.jobs.changed({ ...job, status: 'DONE', statusInfo: 'NORMAL' });
      expect(store.jobs.get('1.2.3')).toMatchObject({
        status: 'DONE',
        associationId: 'a1',
        films: ['f1'],
        history: [
          { status: 'PENDING', info: 'QUEUED' },
          { status: 'PRINTING', info: 'NORMAL' },
          { status: 'DONE', info: 'NORMAL' },
        ],
      });
      expect(store.jobs.unfinished()).toEqual([]);
      store.close();
    });
  });

  describe('several instances on one database', () => {
    it('association ids never collide between two stores open on it at once', () => {
      const data = e.freshDir();
      const a = e.store(data);
      const b = e.store(data);
      const ids = [];
      for (let i = 0; i < 20; i++) ids.push(a.associations.nextId(), b.associations.nextId());
      expect(new Set(ids).size).toBe(40);
      a.close();
      b.close();
    });

    it('measured curve analyses get ids of their own from two stores at once, are listed by film and removed with it', () => {
      const data = e.freshDir();
      const a = e.store(data);
      const b = e.store(data);
      const curve = (filmId?: string) => ({
        ...(filmId ? { filmId } : {}),
        createdAt: new Date().toISOString(),
        pass: true,
        summary: { protocol: 'ps314-d2' },
        input: { readings: [1, 2] },
        analysis: { steps: [] },
      });
      const ids = [a.curves.add(curve('f1')), b.curves.add(curve('f1')), a.curves.add(curve())];
      expect(new Set(ids).size).toBe(3);
      expect(
        b.curves
          .list({ filmId: 'f1' })
          .map((c) => c.id)
          .sort(),
      ).toEqual(ids.slice(0, 2).sort());
      expect(a.curves.get(ids[2]!)?.input).toEqual({ readings: [1, 2] });
      expect(a.curves.removeForFilm('f1')).toBe(2);
      expect(b.curves.count()).toBe(1);
      a.close();
      b.close();
    });

    it('a film to forward is taken by one instance for an attempt, and is due again once its lease ends (crash)', () => {
      const data = e.freshDir();
      const a = e.store(data);
      const b = e.store(data);
      a.forwardQueue.add([{ filmId: 'f1', printer: 'P', target: 'printer:104:REAL' }], 1000);
      expect(a.forwardQueue.claim('f1', 2000, 60_000)).toBe(true);
      expect(b.forwardQueue.claim('f1', 2000, 60_000)).toBe(false);
      expect(b.forwardQueue.due(2000)).toEqual([]);
      expect(b.forwardQueue.claim('f1', 60_000, 120_000)).toBe(true);
      a.close();
      b.close();
    });

    it('one instance claims a film for rendering; a claim whose instance is no longer seen is taken over', () => {
      const data = e.freshDir();
      const a = e.store(data);
      const b = e.store(data);
      a.instances.start();
      b.instances.start();
      a.films.add(film(1));
      expect(a.films.claimRender('film-0001', a.instances.id, a.instances.aliveSince())).toBe(true);
      // Asking again is harmless for the claimant.
      expect(a.films.claimRender('film-0001', a.instances.id, a.instances.aliveSince())).toBe(true);
      if (kind === 'postgres') {
        expect(b.films.claimRender('film-0001', b.instances.id, b.instances.aliveSince())).toBe(false);
        expect(b.films.abandonedRenders(b.instances.aliveSince(), new Date().toISOString(), 10)).toEqual([]);
        expect(
          b.instances
            .alive()
            .map((i) => i.id)
            .sort(),
        ).toEqual([a.instances.id, b.instances.id].sort());
        // A stops being seen (killed): its claim is abandoned, and B takes it.
        b.db.prepare('UPDATE instances SET seen_at = 0 WHERE id = ?').run(a.instances.id);
        expect(b.films.abandonedRenders(b.instances.aliveSince(), new Date().toISOString(), 10)).toEqual([
          'film-0001',
        ]);
      }
      // On SQLite there is no other running instance: any other claim is a crash's leftover.
      expect(b.films.claimRender('film-0001', b.instances.id, b.instances.aliveSince())).toBe(true);
      expect(a.films.claimRender('film-0001', a.instances.id, Date.now() - 5000)).toBe(kind === 'sqlite');
      a.films.setRender('film-0001', 'rendered');
      expect(b.films.claimRender('film-0001', b.instances.id, b.instances.aliveSince())).toBe(false);
      a.close();
      b.close();
    });
  });
});
