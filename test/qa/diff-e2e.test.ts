/**
 * Film diff end to end: films printed by DCMTK through Lightbox compared with POST
 * /api/films/:id/diff. Two copies of one job diff to zero; a Max Density change shows the
 * per-box delta an independent PS3.14 computation predicts; a shifted layout fails; another film
 * size is not comparable; uploaded density.png and film.png goldens work as film ids do.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmPrint, type PrintOptions } from '../support/dcmprint.js';
import { oracleDensity } from '../support/gsdf-oracle.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

let lb: TestLightbox;
let work: string;
let pattern: string;
const base = () => `http://127.0.0.1:${lb.httpPort}`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-diff-e2e-'));
  lb = await startLightbox({ logLevel: 'warn' });
  const res = await fetch(`${base()}/api/qa/patterns/tg18-unl10.dcm?bits=12&rows=512&cols=512`);
  pattern = join(work, 'unl10.dcm');
  writeFileSync(pattern, Buffer.from(await res.arrayBuffer()));
}, 60_000);
afterAll(async () => {
  await lb?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

let jobs = 0;
/** Print with DCMTK; the new films' ids, in order, once rendered. */
async function print(o: Partial<PrintOptions> = {}): Promise<string[]> {
  const before = new Set(lb.app.store.films.list({}, { limit: 1000, order: 'asc' }).items.map((f) => f.id));
  const r = await dcmPrint(
    {
      port: lb.dicomPort,
      calledAe: 'LIGHTBOX',
      images: [pattern],
      columns: 1,
      rows: 1,
      filmSize: '8INX10IN',
      minDensity: 20,
      maxDensity: 300,
      illumination: 2000,
      reflection: 10,
      ...o,
    },
    join(work, `job${++jobs}`),
  );
  expect(r.exchanges.find((e) => e.request === 'N-ACTION')?.status, r.log.slice(-1500)).toBe(0);
  await lb.app.rendering.idle();
  return lb.app.store.films
    .list({}, { limit: 1000, order: 'asc' })
    .items.filter((f) => !before.has(f.id))
    .map((f) => f.id);
}

interface Region {
  name: string;
  position?: number;
  meanSigned: number;
  mean: number;
  p95: number;
  max: number;
  changed: number;
  pass: boolean;
}
interface Diff {
  comparable: boolean;
  reason?: string;
  unit: string;
  whole?: Region;
  boxes: Region[];
  pass: boolean;
}

async function diff(id: string, body: unknown, query = ''): Promise<Response> {
  return fetch(`${base()}/api/films/${id}/diff${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
async function diffJson(id: string, body: unknown): Promise<Diff> {
  const r = await diff(id, body);
  const j = (await r.json()) as Diff & { error?: string };
  expect(r.status, j.error).toBe(200);
  return j;
}
const file = async (id: string, name: string) =>
  Buffer.from(await (await fetch(`${base()}/api/films/${id}/${name}`)).arrayBuffer());

describe('POST /api/films/:id/diff', () => {
  let a: string;
  let b: string;
  beforeAll(async () => {
    // The same job printed twice (Lightbox keeps Number of Copies as one film).
    [a] = (await print()) as [string];
    [b] = (await print()) as [string];
  }, 60_000);

  it('two prints of the same job diff to zero, against a film id or an uploaded density.png or film.png', async () => {
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    for (const body of [
      { against: a },
      { densityPng: (await file(a, 'density.png')).toString('base64') },
      { filmPng: (await file(a, 'film.png')).toString('base64') },
      { against: a, compare: 'film' },
    ]) {
      const d = await diffJson(b, body);
      expect(d.comparable).toBe(true);
      expect(d.whole).toMatchObject({ mean: 0, max: 0, p95: 0, changed: 0, pass: true });
      expect(d.boxes.map((x) => x.name)).toEqual(['box 1', 'box 1 image']);
      expect(d.pass).toBe(true);
    }
  });

  it('a print with Max Density 2.50 instead of 3.00: the per-box delta PS3.14 predicts, and a fail', async () => {
    const [lower] = await print({ maxDensity: 250 });
    const d = await diffJson(lower!, { against: a });
    expect(d.comparable).toBe(true);
    const image = d.boxes.find((x) => x.name === 'box 1 image')!;
    // Expected: the mean over the pattern's own pixels (the file's last 512 x 512 words: a 10%
    // field with thin outlines at 15%) of each value's density at Max Density 2.50 less at 3.00.
    const c = { dmin: 0.2, L0: 2000, La: 10 };
    const bytes = readFileSync(pattern);
    const pixels = new Uint16Array(
      bytes.buffer.slice(bytes.byteOffset + bytes.length - 512 * 512 * 2, bytes.byteOffset + bytes.length),
    );
    const delta = new Map<number, number>();
    let sum = 0;
    for (const v of pixels) {
      if (!delta.has(v))
        delta.set(
          v,
          oracleDensity(v / 4095, { ...c, dmax: 2.5 }) - oracleDensity(v / 4095, { ...c, dmax: 3.0 }),
        );
      sum += delta.get(v)!;
    }
    expect(delta.size).toBe(2);
    const expected = sum / pixels.length;
    console.log(
      `Max Density 3.00 -> 2.50: image mean delta ${image.meanSigned} OD, oracle ${expected.toFixed(4)}`,
    );
    // Each film's densities are kept in hundredths: a difference of two roundings is within 0.01.
    expect(Math.abs(image.meanSigned - expected)).toBeLessThanOrEqual(0.01);
    expect(image.mean).toBeCloseTo(-image.meanSigned, 2);
    expect(image.pass).toBe(false);
    expect(d.pass).toBe(false);
    // The border (Border Density, not Max Density) did not move: outside the image, nothing changed.
    const box = d.boxes.find((x) => x.name === 'box 1')!;
    expect(box.changed).toBeLessThan(image.changed);
    // The difference image: the film's size (downscaled), blue where the film is lighter.
    const r = await diff(lower!, { against: a }, '?format=png');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await r.arrayBuffer());
    const meta = await sharp(png).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(1600);
    const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    let blue = 0;
    let red = 0;
    for (let i = 0; i < data.length; i += 3) {
      if (data[i + 2]! > 60 && data[i]! === 0) blue++;
      if (data[i]! > 60 && data[i + 2]! === 0) red++;
    }
    expect(blue).toBeGreaterThan(data.length / 3 / 10);
    expect(red).toBe(0);
    writeFileSync(join(work, 'diff.png'), png);
  }, 60_000);

  it('a shifted layout fails; another film size is not comparable', async () => {
    const [shifted] = await print({ columns: 2, rows: 1 });
    const d = await diffJson(shifted!, { against: a });
    expect(d.comparable).toBe(true);
    expect(d.whole!.p95).toBeGreaterThan(0.05);
    expect(d.pass).toBe(false);
    const [bigger] = await print({ filmSize: '10INX12IN' });
    const e = await diffJson(bigger!, { against: a });
    expect(e.comparable).toBe(false);
    expect(e.reason).toMatch(/differ in size/);
    expect(e.pass).toBe(false);
  }, 60_000);

  it('your own thresholds decide', async () => {
    const [lower] = await print({ maxDensity: 290 });
    const strict = await diffJson(lower!, { against: a });
    const loose = await diffJson(lower!, { against: a, thresholds: { mean: 0.5, p95: 0.5, max: 0.5 } });
    expect(loose.pass).toBe(true);
    expect(strict.whole!.max).toBeGreaterThan(0);
    expect(strict.whole!.max).toBeLessThanOrEqual(0.5);
  }, 60_000);

  it('refuses a missing or double golden, an unknown film, a golden that is no PNG', async () => {
    expect((await diff(a, {})).status).toBe(400);
    expect((await diff(a, { against: b, densityPng: 'AAAA' })).status).toBe(400);
    expect((await diff(a, { against: 'no-such-film' })).status).toBe(404);
    expect((await diff('no-such-film', { against: a })).status).toBe(404);
    const r = await diff(a, { densityPng: Buffer.from('not a png').toString('base64') });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/not a PNG/);
    // A control request: not without JSON.
    const plain = await fetch(`${base()}/api/films/${a}/diff`, { method: 'POST', body: 'x' });
    expect(plain.status).toBeGreaterThanOrEqual(400);
  });
});
