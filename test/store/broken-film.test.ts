/**
 * A film whose records are damaged answers, never a 500: a cut-short render.json or film.json while
 * running, a film.json unreadable at start-up (listed as broken, deletable), a render cut short by a
 * crash (its temporary files removed, the film rendered again).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { printFilm } from '../support/print-session.js';

const data = mkdtempSync(join(tmpdir(), 'lightbox-broken-'));
afterAll(() => rmSync(data, { recursive: true, force: true }));

const get = (lb: TestLightbox, url: string) => lb.app.http.inject({ url });
const films = (lb: TestLightbox) => lb.app.store.films.list({}, { limit: 100, order: 'asc' }).items;

it('damaged records answer; unreadable films are broken and deletable; interrupted renders start again', async () => {
  const first = await startLightbox({ dataDir: data, logLevel: 'silent' });
  let ids: string[];
  try {
    for (let i = 0; i < 3; i++) expect((await printFilm(first.dicomPort)).status).toBe(0);
    await expect
      .poll(() => films(first).map((f) => f.render), { timeout: 20_000 })
      .toEqual(Array(3).fill('rendered'));
    ids = films(first).map((f) => f.id);
    // While running: a render.json cut to nothing, a film.json cut short.
    writeFileSync(join(data, 'films', ids[0]!, 'render.json'), '');
    writeFileSync(join(data, 'films', ids[1]!, 'film.json'), '{"format": "lightbox-fi');
    for (const id of ids.slice(0, 2)) {
      const r = await get(first, `/api/films/${id}`);
      expect(r.statusCode).toBe(200);
    }
    expect((await get(first, `/api/films/${ids[0]}`)).json().render).toBeNull();
    expect((await get(first, `/api/films/${ids[1]}`)).json().film).toBeNull();
    expect((await get(first, `/api/films/${ids[1]}/thumb.png`)).statusCode).toBe(200);
  } finally {
    await first.app.stop();
  }
  // As a crash mid-render leaves it: the third film's render half written and its index row pending.
  const third = join(data, 'films', ids[2]!);
  rmSync(join(third, 'render.json'));
  writeFileSync(join(third, 'density.png.tmp'), 'half');
  const { Store } = await import('../../src/store/store.js');
  const store = new Store(data);
  store.films.setRender(ids[2]!, 'pending');
  // And the second film's row lost, so start-up meets its unreadable film.json.
  store.films.remove(ids[1]!);
  store.close();

  const second = await startLightbox({ dataDir: data, logLevel: 'silent' });
  try {
    const broken = (await get(second, '/api/films?status=broken')).json();
    expect(broken).toMatchObject([
      { id: ids[1], render: 'broken', error: expect.stringMatching(/film.json unreadable/) },
    ]);
    expect((await get(second, `/api/films/${ids[1]}`)).statusCode).toBe(200);
    await expect
      .poll(() => second.app.store.films.get(ids[2]!)?.render, { timeout: 20_000 })
      .toBe('rendered');
    expect(existsSync(join(third, 'density.png.tmp'))).toBe(false);
    expect(readdirSync(third)).toContain('render.json');
    const del = await second.app.http.inject({ method: 'DELETE', url: `/api/films/${ids[1]}` });
    expect(del.statusCode).toBe(204);
    expect(existsSync(join(data, 'films', ids[1]!))).toBe(false);
    expect((await get(second, `/api/films/${ids[1]}`)).statusCode).toBe(404);
  } finally {
    await second.app.stop();
  }
});

it('a film.json that parses but says nothing ({}) is broken, never a 500, while running and after a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lightbox-empty-film-'));
  try {
    const first = await startLightbox({ dataDir: dir, logLevel: 'silent' });
    let id: string;
    try {
      expect((await printFilm(first.dicomPort)).status).toBe(0);
      await expect.poll(() => films(first)[0]?.render, { timeout: 20_000 }).toBe('rendered');
      id = films(first)[0]!.id;
      writeFileSync(join(dir, 'films', id, 'film.json'), '{}');
      writeFileSync(join(dir, 'films', id, 'render.json'), '{}');
      for (const url of ['/api/films', `/api/films/${id}`, `/api/films/${id}/thumb.png`])
        expect((await get(first, url)).statusCode, url).toBe(200);
    } finally {
      await first.app.stop();
    }
    // Its index row lost: start-up meets the empty record.
    const { Store } = await import('../../src/store/store.js');
    const store = new Store(dir);
    store.films.remove(id);
    store.close();
    const second = await startLightbox({ dataDir: dir, logLevel: 'silent' });
    try {
      expect((await get(second, '/api/films?status=broken')).json()).toMatchObject([
        { id, render: 'broken' },
      ]);
      expect((await get(second, `/api/films/${id}`)).statusCode).toBe(200);
      expect((await second.app.http.inject({ method: 'DELETE', url: `/api/films/${id}` })).statusCode).toBe(
        204,
      );
    } finally {
      await second.app.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
