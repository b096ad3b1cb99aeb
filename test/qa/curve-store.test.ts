/**
 * Curve analyses are kept: densitometer readings posted for a film Lightbox printed are analysed,
 * stored, listed and fetched by id (JSON and SVG), survive a restart, and go with the film, over
 * the API and when a crash cut a film's removal short (the start-up recovery drops them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CURVES } from '../../src/store/curve-log.js';
import { oracleDensity } from '../support/gsdf-oracle.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

const C = { dmin: 0.2, dmax: 3.0, L0: 2000, La: 10 };
const ddl = (i: number) => Math.round((255 * i) / 31);
/** 32 readings of a printer that prints P^gamma on the GSDF, to 0.01 OD. */
const readings = (gamma: number) =>
  Array.from({ length: 32 }, (_, i) => ({
    step: i + 1,
    od: Number(oracleDensity((ddl(i) / 255) ** gamma, C).toFixed(2)),
  }));
const csvOf = (r: { step: number; od: number }[]) =>
  `step,od\n${r.map((x) => `${x.step},${x.od}`).join('\n')}\n`;

let lb: TestLightbox;
let data: string;
const start = () => startLightbox({ dataDir: data, logLevel: 'warn', noRender: true });
/** Stop and start again on the same data directory; between the two, `meanwhile`. */
async function restart(meanwhile = () => {}): Promise<void> {
  await lb.app.stop();
  meanwhile();
  lb = await start();
}
const base = () => `http://127.0.0.1:${lb.httpPort}`;
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${base()}${path}`, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
const post = (body: object) => api('/api/qa/curves', { method: 'POST', body: JSON.stringify(body) });

/** A film printed on the Lightbox itself (a test pattern, in one call). */
async function film(): Promise<string> {
  const r = await api('/api/qa/patterns/gray32/print', {
    method: 'POST',
    body: JSON.stringify({ printer: 'LIGHTBOX', bits: 8, rows: 256, cols: 192 }),
  });
  const body = (await r.json()) as { filmId?: string; outcome: string };
  expect(body.filmId, body.outcome).toBeDefined();
  return body.filmId!;
}

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'lightbox-curves-'));
  lb = await start();
}, 60_000);
afterAll(async () => {
  await lb?.stop(); // removes the data directory
});

interface Summary {
  id: string;
  filmId?: string;
  label?: string;
  pass: boolean;
  gamma: number;
  readings: number;
  protocol: string;
}

describe('curve analyses kept', () => {
  it('are kept for a film, listed, fetched as JSON and SVG, and survive a restart', async () => {
    const filmId = await film();
    const good = await post({ csv: csvOf(readings(1)), filmId, label: 'X-Rite 341, morning' });
    expect(good.status).toBe(201);
    const g = (await good.json()) as Summary & { steps: { od: number; target: number; pass: boolean }[] };
    expect(good.headers.get('location')).toBe(`/api/qa/curves/${g.id}`);
    expect(g).toMatchObject({ filmId, label: 'X-Rite 341, morning', pass: true });
    expect(g.steps).toHaveLength(32);
    // The same readings as JSON, judged by mammo-qc: the same analysis, another protocol.
    const drifted = await post({ readings: readings(1.3), filmId, protocol: 'mammo-qc' });
    expect(drifted.status).toBe(201);
    const d = (await drifted.json()) as Summary;
    expect(d.pass).toBe(false);
    // Not linked to a film: kept too, listed only without ?film=.
    const loose = (await (await post({ csv: csvOf(readings(1.1)) })).json()) as Summary;

    const list = (await (await api(`/api/qa/curves?film=${filmId}`)).json()) as { curves: Summary[] };
    expect(list.curves.map((c) => c.id)).toEqual([d.id, g.id]);
    expect(list.curves[0]).toMatchObject({ pass: false, protocol: 'mammo-qc', readings: 32, filmId });
    expect(list.curves[0]!.gamma).toBeCloseTo(1.3, 1);
    const all = (await (await api('/api/qa/curves')).json()) as { curves: Summary[] };
    expect(all.curves.map((c) => c.id)).toEqual([loose.id, d.id, g.id]);

    // Restart on the same data directory: everything is still there.
    await restart();

    const one = await api(`/api/qa/curves/${g.id}`);
    expect(one.status).toBe(200);
    const body = (await one.json()) as Summary & { input: { csv: string; bits: number }; steps: unknown[] };
    expect(body).toMatchObject({ id: g.id, filmId, label: 'X-Rite 341, morning', pass: true });
    expect(body.steps).toEqual(g.steps);
    expect(body.input.csv).toBe(csvOf(readings(1)));
    expect(body.input.bits).toBe(8);
    const svg = await api(`/api/qa/curves/${d.id}?format=svg`);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await svg.text()).toMatch(/gamma 1\.3\d - FAIL/);

    // Deleting the film takes its analyses with it; the one without a film stays.
    expect((await api(`/api/films/${filmId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/api/qa/curves/${g.id}`)).status).toBe(404);
    expect((await api(`/api/qa/curves/${d.id}`)).status).toBe(404);
    const left = (await (await api('/api/qa/curves')).json()) as { curves: Summary[] };
    expect(left.curves.map((c) => c.id)).toEqual([loose.id]);
    expect((await api(`/api/qa/curves/${loose.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/api/qa/curves/${loose.id}`, { method: 'DELETE' })).status).toBe(404);
  }, 60_000);

  it('of a film whose removal a crash cut short are dropped at start-up', async () => {
    const filmId = await film();
    const c = (await (await post({ csv: csvOf(readings(1)), filmId })).json()) as Summary;
    const dir = lb.app.store.filmFiles.local(filmId);
    // The film directory went, its index row and analyses did not (the crash came in between).
    await restart(() => rmSync(dir, { recursive: true, force: true }));
    expect(lb.app.store.films.get(filmId)).toBeUndefined();
    expect((await api(`/api/qa/curves/${c.id}`)).status).toBe(404);
  }, 60_000);

  it('refuses what it cannot keep, keeping nothing', async () => {
    const before = lb.app.store.curves.count();
    expect((await post({ csv: csvOf(readings(1)), filmId: 'no-such-film' })).status).toBe(404);
    expect((await post({ csv: csvOf(readings(1)), readings: readings(1) })).status).toBe(400);
    expect((await post({})).status).toBe(400);
    expect((await post({ readings: [{ step: 1, od: 'dark' }] })).status).toBe(400);
    expect((await post({ csv: 'step,od\n1,1.0\n2,1.01\n3,1.02\n' })).status).toBe(400);
    expect((await api('/api/qa/curves/c999999')).status).toBe(404);
    expect((await api('/api/qa/curves/x1')).status).toBe(400);
    expect(lb.app.store.curves.count()).toBe(before);
  });

  it('are bounded: with MAX_CURVES kept, another is refused (507) until one is deleted', async () => {
    const store = lb.app.store;
    store.db.transaction(() => {
      for (let n = store.curves.count(); n < MAX_CURVES; n++)
        store.curves.add({
          createdAt: new Date().toISOString(),
          pass: true,
          summary: {},
          input: {},
          analysis: {},
        });
    })();
    const full = await post({ csv: csvOf(readings(1)) });
    expect(full.status).toBe(507);
    expect(((await full.json()) as { error: string }).error).toMatch(/delete some/);
    expect(store.curves.count()).toBe(MAX_CURVES);
    const one = store.curves.list()[0]!.id;
    expect((await api(`/api/qa/curves/${one}`, { method: 'DELETE' })).status).toBe(204);
    expect((await post({ csv: csvOf(readings(1)) })).status).toBe(201);
  }, 30_000);
});
