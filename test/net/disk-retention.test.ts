/**
 * Disk space and retention end to end, with a real server and a real SCU: films beyond
 * --retention-max-films / -bytes / -age removed oldest first (pinned ones kept; API, disk, events
 * and /metrics agree), and --min-free-space making every printer FAILURE PRINT BUFF FULL (prints
 * refused 0xC602/0xC601, image boxes 0xC605) until space is back, when it recovers by itself.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import type { Stamped } from '../../src/events.js';
import type { FilmSummary } from '../../src/store/film-index.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { grayImage, Scu } from '../support/scu.js';

const META = Uid.BasicGrayscalePrintManagementMeta;
const running: TestLightbox[] = [];
const cleanup: (() => void)[] = [];
afterEach(async () => {
  for (const lb of running.splice(0)) await lb.stop();
  for (const c of cleanup.splice(0)) c();
});

interface Lab {
  lb: TestLightbox;
  seen: Stamped[];
  /** Resolves once `n` events pass `match` (counting those already seen). */
  waitFor(match: (e: Stamped) => boolean, n?: number, ms?: number): Promise<Stamped[]>;
}

async function lab(overrides: Partial<Config>): Promise<Lab> {
  const lb = await startLightbox({ logLevel: 'info', noRender: true, ...overrides });
  running.push(lb);
  const seen: Stamped[] = [];
  const waiters = new Set<() => void>();
  lb.app.events.subscribe((e) => {
    seen.push(e);
    for (const w of waiters) w();
  });
  const waitFor = (match: (e: Stamped) => boolean, n = 1, ms = 15_000) =>
    new Promise<Stamped[]>((resolve, reject) => {
      const check = () => {
        const hits = seen.filter(match);
        if (hits.length < n) return;
        waiters.delete(check);
        clearTimeout(t);
        resolve(hits);
      };
      const t = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timeout: ${seen.filter(match).length}/${n} events`));
      }, ms);
      waiters.add(check);
      check();
    });
  return { lb, seen, waitFor };
}

const ref = (cls: string, uid: string): DcmDataset => ({
  '00081150': { vr: 'UI', Value: [cls] },
  '00081155': { vr: 'UI', Value: [uid] },
});

/** A session and a 1x1 film box on a new association; returns what a print needs. */
async function prepare(lb: TestLightbox, called = 'LIGHTBOX') {
  const s = await Scu.open(lb.dicomPort, { called, abstractSyntaxes: [META] });
  const sid = (await s.nCreate(META, Uid.BasicFilmSession, {})).command.affectedSopInstanceUid!;
  const fb = await s.nCreate(META, Uid.BasicFilmBox, {
    '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] },
    '20100500': { vr: 'SQ', Value: [ref(Uid.BasicFilmSession, sid)] },
  });
  const fbUid = fb.command.affectedSopInstanceUid!;
  const box = String((fb.dataset!['20100510']!.Value as DcmDataset[])[0]!['00081155']!.Value![0]);
  const setImage = (size = 64) =>
    s.nSet(META, Uid.BasicGrayscaleImageBox, box, {
      '20200010': { vr: 'US', Value: [1] },
      '20200110': { vr: 'SQ', Value: [grayImage(size, size)] },
    });
  return { s, sid, fbUid, setImage };
}

/** Print one film and release; resolves with its film id (from the film.printed event). */
async function print(l: Lab, size = 64): Promise<string> {
  const before = l.seen.filter((e) => e.type === 'film.printed').length;
  const { s, fbUid, setImage } = await prepare(l.lb);
  expect((await setImage(size)).command.status).toBe(0);
  expect((await s.nAction(META, Uid.BasicFilmBox, fbUid)).command.status).toBe(0);
  await s.release();
  const printed = await l.waitFor((e) => e.type === 'film.printed', before + 1);
  return (printed[before] as Extract<Stamped, { type: 'film.printed' }>).film;
}

async function apiFilms(lb: TestLightbox): Promise<FilmSummary[]> {
  const r = await lb.app.http.inject({ url: '/api/films?limit=1000' });
  expect(r.statusCode).toBe(200);
  return r.json() as FilmSummary[];
}

const onDisk = (lb: TestLightbox) =>
  readdirSync(join(lb.app.store.dataDir, 'films'))
    .filter((n) => !n.startsWith('.'))
    .sort();

const metrics = async (lb: TestLightbox) => (await lb.app.http.inject({ url: '/metrics' })).body;

/** Every print job finished (DONE or FAILURE). */
async function jobsSettled(l: Lab, jobs: number): Promise<void> {
  await l.waitFor((e) => e.type === 'job' && (e.status === 'DONE' || e.status === 'FAILURE'), jobs);
}

describe('retention', () => {
  it('max-films 3: five prints keep the newest three; a pinned one is kept and counts toward the three', async () => {
    const l = await lab({ retentionMaxFilms: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await print(l));
    const removed = await l.waitFor((e) => e.type === 'film.removed', 2);
    expect(removed.map((e) => (e as { film: string }).film)).toEqual(ids.slice(0, 2));
    expect(removed.every((e) => (e as { reason: string }).reason === 'max-films')).toBe(true);
    await jobsSettled(l, 5);
    expect((await apiFilms(l.lb)).map((f) => f.id)).toEqual(ids.slice(2));
    expect(onDisk(l.lb)).toEqual(ids.slice(2).sort());
    const logged = l.lb.logs.filter((r) => r['msg'] === 'film removed');
    expect(logged.map((r) => [r['film'], r['reason']])).toEqual(
      ids.slice(0, 2).map((id) => [id, 'retention: max-films 3']),
    );

    // Pin the oldest of the three, print two more: the pinned film stays, the two after it go.
    const pin = await l.lb.app.http.inject({ method: 'PUT', url: `/api/films/${ids[2]}/pin` });
    expect(pin.json()).toMatchObject({ id: ids[2], pinned: true });
    ids.push(await print(l), await print(l));
    await l.waitFor((e) => e.type === 'film.removed', 4);
    await jobsSettled(l, 7);
    const kept = [ids[2]!, ids[5]!, ids[6]!];
    const films = await apiFilms(l.lb);
    expect(films.map((f) => f.id)).toEqual(kept);
    expect(films.map((f) => f.pinned)).toEqual([true, false, false]);
    expect(onDisk(l.lb)).toEqual([...kept].sort());
    expect(l.seen.filter((e) => e.type === 'film.removed').map((e) => (e as { film: string }).film)).toEqual([
      ids[0],
      ids[1],
      ids[3],
      ids[4],
    ]);
    // The job that printed a removed film is still on record; its film answers 404.
    expect((await l.lb.app.http.inject({ url: `/api/films/${ids[0]}` })).statusCode).toBe(404);
    const m = await metrics(l.lb);
    expect(m).toMatch(/lightbox_films_removed_total\{reason="max-films"\} 4/);
    expect(m).toMatch(/^lightbox_films_stored 3$/m);
    const bytes = films.reduce((a, f) => a + f.bytes, 0);
    expect(m).toContain(`lightbox_films_bytes ${bytes}`);
  });

  it('max-bytes: the oldest films go until the rest fit', async () => {
    const l = await lab({ retentionMaxBytes: 300_000 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await print(l, 256));
    await jobsSettled(l, 4);
    await l.waitFor((e) => e.type === 'film.removed', 2);
    await l.lb.app.retention.run();
    const films = await apiFilms(l.lb);
    // A 256x256 12-bit image is 131072 bytes, and its film.json a few more: two fit, three do not.
    expect(films[0]!.bytes * 2).toBeLessThanOrEqual(300_000);
    expect(films[0]!.bytes * 3).toBeGreaterThan(300_000);
    expect(films.map((f) => f.id)).toEqual(ids.slice(2));
    expect(onDisk(l.lb)).toEqual(ids.slice(2).sort());
    expect(l.lb.logs.filter((r) => r['msg'] === 'film removed').map((r) => r['reason'])).toEqual([
      'retention: max-bytes 300000',
      'retention: max-bytes 300000',
    ]);
  });

  it('max-age: films older than the limit go (clock moved forward), pinned ones stay', async () => {
    const l = await lab({ retentionMaxAgeMs: 3_600_000 });
    const ids = [await print(l), await print(l), await print(l)];
    await jobsSettled(l, 3);
    expect(await l.lb.app.retention.run()).toEqual([]);
    await l.lb.app.http.inject({ method: 'PUT', url: `/api/films/${ids[1]}/pin` });
    l.lb.app.retention.clock = () => Date.now() + 2 * 3_600_000;
    const removed = await l.lb.app.retention.run();
    expect(removed.map((r) => [r.id, r.reason])).toEqual([
      [ids[0], 'retention: max-age 1h'],
      [ids[2], 'retention: max-age 1h'],
    ]);
    expect((await apiFilms(l.lb)).map((f) => f.id)).toEqual([ids[1]]);
    expect(onDisk(l.lb)).toEqual([ids[1]]);
    expect(await metrics(l.lb)).toMatch(/lightbox_films_removed_total\{reason="max-age"\} 2/);
  });

  it('rendered films: bytes grow with their PNGs, and retention still keeps the newest', async () => {
    const l = await lab({ retentionMaxFilms: 2, noRender: false });
    const ids = [await print(l), await print(l), await print(l)];
    await jobsSettled(l, 3);
    await l.waitFor((e) => e.type === 'film.removed', 1);
    await l.lb.app.rendering.idle();
    await l.lb.app.retention.run();
    const films = await apiFilms(l.lb);
    expect(films.map((f) => f.id)).toEqual(ids.slice(1));
    expect(onDisk(l.lb)).toEqual(ids.slice(1).sort());
    for (const f of films) {
      expect(f.render).toBe('rendered');
      const dir = join(l.lb.app.store.dataDir, 'films', f.id);
      const files = readdirSync(dir);
      expect(files).toContain('film.png');
      // The index counts the PNGs too: what retention's max-bytes compares is what is on disk.
      expect(f.bytes).toBe(files.reduce((a, n) => a + statSync(join(dir, n)).size, 0));
    }
  });
});

describe('--min-free-space', () => {
  it('below it: FAILURE PRINT BUFF FULL, prints refused 0xC602/0xC601, image boxes 0xC605; back above: NORMAL by itself, prints again', async () => {
    const printersDir = mkdtempSync(join(tmpdir(), 'lightbox-disk-printers-'));
    cleanup.push(() => rmSync(printersDir, { recursive: true, force: true }));
    writeFileSync(join(printersDir, 'other.yaml'), 'aeTitle: OTHER\nname: Another printer\n');
    // 100 % of the volume: never free, so low from the first check at start-up.
    const l = await lab({ minFreeSpace: { percent: 100 }, printersDir });
    const { lb } = l;

    for (const ae of ['LIGHTBOX', 'OTHER']) {
      const p = (await lb.app.http.inject({ url: `/api/printers/${ae}` })).json();
      expect(p).toMatchObject({ status: 'FAILURE', statusInfo: 'PRINT BUFF FULL' });
    }
    expect(l.lb.logs.filter((r) => String(r['msg']).startsWith('disk space low'))).toHaveLength(1);
    let m = await metrics(lb);
    expect(m).toMatch(/^lightbox_disk_low 1$/m);
    expect(m).toMatch(/^lightbox_disk_free_bytes \d+$/m);

    const { s, sid, fbUid, setImage } = await prepare(lb);
    const set = await setImage();
    expect(set.command.status).toBe(0xc605);
    const free = lb.app.disk.state!;
    expect(set.command.errorComment).toMatch(/^disk full: \d+ bytes free, minimum \d+$/);
    expect(set.command.errorComment).toContain(`minimum ${free.threshold}`);
    const refused = await s.nAction(META, Uid.BasicFilmBox, fbUid);
    expect(refused.command.status).toBe(0xc602);
    expect(refused.command.errorComment).toBe('printer FAILURE (PRINT BUFF FULL): no print job created');
    expect((await s.nAction(META, Uid.BasicFilmSession, sid)).command.status).toBe(0xc601);
    expect(await apiFilms(lb)).toEqual([]);

    // An operator sets OTHER's status meanwhile: that one is theirs, recovery leaves it.
    const put = await lb.app.http.inject({
      method: 'PUT',
      url: '/api/printers/OTHER/status',
      payload: { status: 'FAILURE', info: 'FILM JAM' },
    });
    expect(put.statusCode).toBe(200);

    // Space is back (the threshold lowered at run time): the 2 s watcher notices by itself.
    lb.app.disk.threshold = { bytes: 1 };
    const normal = await l.waitFor(
      (e) => e.type === 'printer.status' && e.printer === 'LIGHTBOX' && e.status === 'NORMAL',
      1,
      5000,
    );
    expect(normal).toHaveLength(1);
    const printerEvents = await s.waitEvents(1);
    expect(printerEvents.find((e) => e.sopClassUid === Uid.Printer)?.eventTypeId).toBe(1);
    expect((await lb.app.http.inject({ url: '/api/printers/LIGHTBOX' })).json()).toMatchObject({
      status: 'NORMAL',
      statusInfo: 'NORMAL',
    });
    expect((await lb.app.http.inject({ url: '/api/printers/OTHER' })).json()).toMatchObject({
      status: 'FAILURE',
      statusInfo: 'FILM JAM',
    });
    expect(l.lb.logs.filter((r) => r['msg'] === 'disk space back: printers recover')).toHaveLength(1);
    m = await metrics(lb);
    expect(m).toMatch(/^lightbox_disk_low 0$/m);

    // The same association prints now.
    expect((await setImage()).command.status).toBe(0);
    expect((await s.nAction(META, Uid.BasicFilmBox, fbUid)).command.status).toBe(0);
    await s.release();
    await l.waitFor((e) => e.type === 'film.printed');
    expect(await apiFilms(lb)).toHaveLength(1);
  });

  it('checks again right after each film is stored', async () => {
    const l = await lab({});
    const calls: number[] = [];
    const original = l.lb.app.disk.check.bind(l.lb.app.disk);
    l.lb.app.disk.check = () => {
      calls.push(Date.now());
      return original();
    };
    await print(l);
    expect(calls.length).toBeGreaterThanOrEqual(1);
  });
});
