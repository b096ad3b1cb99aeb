/**
 * Retention: the pure planner (which films go, oldest unpinned first, and by which rule), then the
 * runner against a real store: directories and index rows removed together, logged, published.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, type Stamped } from '../../src/events.js';
import type { FilmSummary } from '../../src/store/film-index.js';
import {
  type Candidate,
  formatDuration,
  formatSize,
  plan,
  RETENTION_LOCK,
  Retention,
  type RetentionLimits,
} from '../../src/store/retention.js';
import type { Store } from '../../src/store/store.js';
import { ENGINES, useEngine } from './engines.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
/** Films 1..n, one a minute from T0, `bytes` each. */
const films = (n: number, bytes = 100): Candidate[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `f${i + 1}`,
    bytes,
    printedAt: new Date(T0 + i * MIN).toISOString(),
  }));
const ids = (p: { id: string }[]) => p.map((r) => r.id);
const totals = (c: Candidate[], extra = { films: 0, bytes: 0 }) => ({
  films: c.length + extra.films,
  bytes: c.reduce((a, f) => a + f.bytes, 0) + extra.bytes,
});

describe('plan (pure)', () => {
  const now = T0 + 10 * MIN;

  it('no limits: nothing goes', () => {
    expect(plan(totals(films(5)), films(5), {}, now)).toEqual([]);
  });

  it('max-films: the oldest go until the count holds', () => {
    const p = plan(totals(films(5)), films(5), { maxFilms: 3 }, now);
    expect(p).toEqual([
      { id: 'f1', rule: 'max-films', reason: 'retention: max-films 3' },
      { id: 'f2', rule: 'max-films', reason: 'retention: max-films 3' },
    ]);
  });

  it('pinned films count toward the totals but are not candidates', () => {
    // 5 films of which 2 pinned (not in the candidate list): 3 unpinned, limit 3 -> 2 unpinned go.
    const unpinned = films(3);
    expect(ids(plan(totals(unpinned, { films: 2, bytes: 200 }), unpinned, { maxFilms: 3 }, now))).toEqual([
      'f1',
      'f2',
    ]);
    // Pinned films alone over the limit: every unpinned one goes, the pinned stay.
    expect(ids(plan(totals(unpinned, { films: 9, bytes: 0 }), unpinned, { maxFilms: 3 }, now))).toEqual([
      'f1',
      'f2',
      'f3',
    ]);
  });

  it('max-bytes: the oldest go until the total fits', () => {
    const c = [...films(4, 100)];
    c[1] = { ...c[1]!, bytes: 500 };
    // 100 + 500 + 100 + 100 = 800 > 250: f1 (700 left), f2 (200 left) go.
    expect(plan(totals(c), c, { maxBytes: 250 }, now)).toEqual([
      { id: 'f1', rule: 'max-bytes', reason: 'retention: max-bytes 250' },
      { id: 'f2', rule: 'max-bytes', reason: 'retention: max-bytes 250' },
    ]);
  });

  it('max-age: films older than the limit go, whatever the totals', () => {
    const p = plan(totals(films(5)), films(5), { maxAgeMs: 7.5 * MIN }, now);
    expect(p).toEqual([
      { id: 'f1', rule: 'max-age', reason: 'retention: max-age 450s' },
      { id: 'f2', rule: 'max-age', reason: 'retention: max-age 450s' },
      { id: 'f3', rule: 'max-age', reason: 'retention: max-age 450s' },
    ]);
  });

  it('each film is removed by the first rule that wants it: age, then count, then size', () => {
    const p = plan(totals(films(6)), films(6), { maxAgeMs: 9.5 * MIN, maxFilms: 4, maxBytes: 250 }, now);
    expect(p.map((r) => `${r.id} ${r.rule}`)).toEqual([
      'f1 max-age',
      'f2 max-films',
      'f3 max-bytes',
      'f4 max-bytes',
    ]);
  });

  it('a busy film (job still printing) is kept, and the count rule waits for it rather than take a younger one', () => {
    expect(ids(plan(totals(films(5)), films(5), { maxFilms: 3 }, now, new Set(['f1'])))).toEqual([]);
    expect(ids(plan(totals(films(5)), films(5), { maxFilms: 3 }, now, new Set(['f2'])))).toEqual(['f1']);
  });

  it('the age rule goes past a busy film', () => {
    const p = plan(totals(films(5)), films(5), { maxAgeMs: 7.5 * MIN }, now, new Set(['f1']));
    expect(ids(p)).toEqual(['f2', 'f3']);
  });

  it('limits in their own units in the reason', () => {
    expect(formatSize(20 * 1024 ** 3)).toBe('20G');
    expect(formatSize(1536)).toBe('1536');
    expect(formatSize(3 * 1024 ** 2)).toBe('3M');
    expect(formatDuration(30 * 86_400_000)).toBe('30d');
    expect(formatDuration(90 * MIN)).toBe('90m');
    expect(formatDuration(1500)).toBe('1500ms');
  });
});

describe.each(ENGINES)('Retention (runner, real store on %s)', (kind) => {
  const e = useEngine(kind);
  const stores: Store[] = [];
  afterEach(() => {
    for (const s of stores.splice(0)) {
      s.close();
      rmSync(s.dataDir, { recursive: true, force: true });
    }
  });

  function withFilms(n: number, dataDir = e.freshDir()): Store {
    const store = e.store(dataDir);
    stores.push(store);
    for (let i = 1; i <= n; i++) {
      const id = `film-${i}`;
      mkdirSync(store.filmFiles.local(id));
      writeFileSync(join(store.filmFiles.local(id), 'film.json'), '{}');
      const f: FilmSummary = {
        id,
        printer: 'LIGHTBOX',
        callingAeTitle: 'CT',
        jobUid: `1.2.${i}`,
        printedAt: new Date(T0 + i * MIN).toISOString(),
        imageBoxes: 1,
        bytes: 1000,
        render: 'rendered',
        pinned: false,
      };
      store.films.add(f);
    }
    return store;
  }

  function runner(store: Store, limits: RetentionLimits, busy = new Set<string>()) {
    const events = new EventBus();
    const seen: Stamped[] = [];
    events.subscribe((e) => seen.push(e));
    const logs: Record<string, unknown>[] = [];
    let removedCalls = 0;
    const r = new Retention({
      store,
      limits,
      events,
      log: { info: (o, m) => logs.push({ ...o, msg: m }), error: (o, m) => logs.push({ ...o, msg: m }) },
      busy: () => busy,
      onRemoved: () => removedCalls++,
    });
    return { r, seen, logs, events, removedCalls: () => removedCalls };
  }

  it('removes directory and index row of the oldest unpinned films, logs and publishes each, pinned stay', async () => {
    const store = withFilms(6);
    store.films.setPinned('film-1', true);
    const { r, seen, logs, removedCalls } = runner(store, { maxFilms: 3 });
    const removed = await r.run();
    expect(removed.map((x) => x.id)).toEqual(['film-2', 'film-3', 'film-4']);
    expect([...store.films.ids()].sort()).toEqual(['film-1', 'film-5', 'film-6']);
    for (const id of ['film-2', 'film-3', 'film-4'])
      expect(existsSync(store.filmFiles.local(id))).toBe(false);
    expect(existsSync(store.filmFiles.local('film-1'))).toBe(true);
    expect(seen.filter((e) => e.type === 'film.removed')).toMatchObject([
      { film: 'film-2', printer: 'LIGHTBOX', reason: 'max-films' },
      { film: 'film-3', reason: 'max-films' },
      { film: 'film-4', reason: 'max-films' },
    ]);
    expect(logs.filter((l) => l.msg === 'film removed')[0]).toMatchObject({
      film: 'film-2',
      reason: 'retention: max-films 3',
    });
    expect(removedCalls()).toBe(1);
    expect(await r.run()).toEqual([]);
  });

  it('a pass with every limit kept reads the totals (and for the age rule, whether any film is old) and nothing else', async () => {
    const store = withFilms(4);
    let candidates = 0;
    let busy = 0;
    const oldest = store.films.oldestUnpinned.bind(store.films);
    store.films.oldestUnpinned = (n) => {
      candidates++;
      return oldest(n);
    };
    const r = new Retention({
      store,
      limits: { maxFilms: 4, maxBytes: 4000, maxAgeMs: 30 * MIN },
      events: new EventBus(),
      log: { info: () => undefined, error: () => undefined },
      busy: () => {
        busy++;
        return new Set();
      },
    });
    r.clock = () => T0 + 20 * MIN;
    expect(await r.run()).toEqual([]);
    expect([candidates, busy]).toEqual([0, 0]);
    // One limit broken at a time: a whole pass, which removes what that limit says.
    r.clock = () => T0 + 31.5 * MIN;
    expect((await r.run()).map((x) => x.id)).toEqual(['film-1']);
    expect([candidates, busy]).toEqual([1, 1]);
    r.limits.maxFilms = 2;
    expect((await r.run()).map((x) => x.id)).toEqual(['film-2']);
    r.limits.maxFilms = undefined;
    r.limits.maxBytes = 1000;
    expect((await r.run()).map((x) => x.id)).toEqual(['film-3']);
    expect(await r.run()).toEqual([]);
    expect(candidates).toBe(3);
  });

  it('the age rule reads the clock it is given', async () => {
    const store = withFilms(3);
    const { r } = runner(store, { maxAgeMs: 30 * MIN });
    r.clock = () => T0 + 20 * MIN;
    expect(await r.run()).toEqual([]);
    r.clock = () => T0 + 32.5 * MIN;
    expect((await r.run()).map((x) => `${x.id} ${x.reason}`)).toEqual([
      'film-1 retention: max-age 30m',
      'film-2 retention: max-age 30m',
    ]);
  });

  it('starts with a pass, runs again on each stored, rendered or finished film, stops cleanly', async () => {
    const store = withFilms(4);
    const busy = new Set(['film-1']);
    const { r, events } = runner(store, { maxFilms: 2 }, busy);
    r.start();
    await r.run();
    expect(store.films.totals().films).toBe(4);
    busy.clear();
    events.publish({ type: 'job', printer: 'LIGHTBOX', job: '1.2.1', status: 'DONE', info: 'NORMAL' });
    await new Promise((res) => setTimeout(res, 50));
    await r.run();
    expect([...store.films.ids()].sort()).toEqual(['film-3', 'film-4']);
    await r.stop();
    expect(await r.run()).toEqual([]);
  });

  it('no limits: start() does nothing at all', async () => {
    const store = withFilms(3);
    const { r } = runner(store, {});
    r.start();
    expect(await r.run()).toEqual([]);
    expect(store.films.totals().films).toBe(3);
    await r.stop();
  });

  if (kind === 'postgres')
    it('runs once per pool: while another instance holds the retention lock, a pass removes nothing', async () => {
      const store = withFilms(4);
      const other = e.store(store.dataDir);
      stores.push(other);
      other.db.prepare('SELECT pg_advisory_lock(?)').get(RETENTION_LOCK);
      const { r } = runner(store, { maxFilms: 2 });
      expect(await r.run()).toEqual([]);
      expect(store.films.ids().size).toBe(4);
      other.db.prepare('SELECT pg_advisory_unlock(?)').get(RETENTION_LOCK);
      expect((await r.run()).map((x) => x.id)).toEqual(['film-1', 'film-2']);
    });
});
