/**
 * A QA test pattern printed in one call, end to end over TCP: to DCMTK's dcmprscp (what it logged
 * receiving is checked), to a second Lightbox whose density report on the film it rendered
 * recognises the pattern, matches an independent PS3.14 computation and passes, to this Lightbox's
 * own printer, and from the command line; every run kept under /api/outbound.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printPatternCommand } from '../../src/scu/print-pattern-command.js';
import { UsageError } from '../../src/scu/send-args.js';
import { type RefScp, startDcmprscp } from '../support/dcmprint.js';
import { oracleStep } from '../support/gsdf-oracle.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

let lb: TestLightbox;
let other: TestLightbox;
let restricted: TestLightbox;
let scp: RefScp;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-print-pattern-'));
  [lb, other, restricted, scp] = await Promise.all([
    startLightbox({ logLevel: 'warn', noRender: true }),
    startLightbox({ logLevel: 'warn' }),
    startLightbox({ logLevel: 'warn', noRender: true, printersDir: 'printers' }),
    startDcmprscp({ dir: join(work, 'dcmprscp') }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([lb?.stop(), other?.stop(), restricted?.stop(), scp?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Answer {
  id: string;
  ok: boolean;
  outcome: string;
  filmId?: string;
  pattern: { name: string; bits: number; rows: number; columns: number };
  steps: { operation: string; status?: number }[];
  error?: string;
}

async function print(
  server: TestLightbox,
  name: string,
  body: object,
): Promise<{ status: number; body: Answer }> {
  const r = await fetch(`http://127.0.0.1:${server.httpPort}/api/qa/patterns/${name}/print`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Answer };
}

interface Step {
  label: string;
  nominalValue: number;
  measured: number;
  pass: boolean;
}
interface QaReport {
  pass: boolean;
  boxes: {
    pattern: string;
    how: string;
    polarity: string;
    presentationLut: string;
    minDensity: number;
    maxDensity: number;
    steps: Step[];
    pass: boolean;
  }[];
}

async function densityReport(server: TestLightbox, filmId: string): Promise<QaReport> {
  await server.app.rendering.idle();
  const r = await fetch(`http://127.0.0.1:${server.httpPort}/api/films/${filmId}/qa`);
  const body = (await r.json()) as QaReport & { error?: string };
  expect(r.status, body.error).toBe(200);
  return body;
}

const newFilms = (server: TestLightbox, before: Set<string>) =>
  server.app.store.films
    .list({}, { limit: 1000, order: 'asc' })
    .items.filter((f) => !before.has(f.id))
    .map((f) => f.id);
const filmIds = (server: TestLightbox) =>
  new Set(server.app.store.films.list({}, { limit: 1000, order: 'asc' }).items.map((f) => f.id));

describe('POST /api/qa/patterns/{name}/print', () => {
  it('to dcmprscp: the pattern in each box of the format, the film conditions as given, the answers kept', async () => {
    const since = scp.log().length;
    const { status, body } = await print(lb, 'gray18', {
      to: `127.0.0.1:${scp.port}:PRINTSCP`,
      bits: 12,
      rows: 256,
      cols: 192,
      displayFormat: 'STANDARD\\2,1',
      filmSize: '8INX10IN',
      minDensity: 20,
      maxDensity: 280,
      illumination: 2000,
      reflectedAmbientLight: 10,
      presentationLut: 'LIN OD',
    });
    expect(status, body.error).toBe(201);
    expect(body).toMatchObject({
      ok: true,
      outcome: 'printed: N-ACTION 0x0000',
      pattern: { name: 'gray18', bits: 12, rows: 256, columns: 192 },
    });
    const log = scp.log().slice(since);
    // Two image boxes, each 256 x 192 12-bit pixels in 16 bits.
    expect((log.match(/\(7fe0,0010\) OW .*# 98304,/g) ?? []).length).toBe(2);
    expect(log).toMatch(/\(2010,0010\) ST \[STANDARD\\2,1\]/);
    expect(log).toMatch(/\(2010,0130\) US 280/);
    expect(log).toMatch(/\(2050,0020\) CS \[LIN OD\]/);
    const kept = lb.app.store.outbound.get(body.id);
    expect(kept?.summary).toMatchObject({
      kind: 'print',
      ok: true,
      target: `127.0.0.1:${scp.port}:PRINTSCP`,
    });
    expect(kept?.summary.source).toMatch(/^pattern gray18 \(12-bit 256x192, STANDARD\\2,1\)/);
  }, 60_000);

  it('to a second Lightbox: the film it rendered is recognised as the pattern and passes, step by step as PS3.14 computes', async () => {
    const before = filmIds(other);
    const { status, body } = await print(lb, 'gray32', {
      to: `127.0.0.1:${other.dicomPort}:LIGHTBOX`,
      bits: 12,
      rows: 512,
      cols: 384,
      filmSize: '8INX10IN',
      minDensity: 20,
      maxDensity: 300,
      illumination: 2000,
      reflectedAmbientLight: 10,
      polarity: 'REVERSE',
      presentationLut: 'IDENTITY',
    });
    expect(status, body.error).toBe(201);
    expect(body.ok, body.outcome).toBe(true);
    const films = newFilms(other, before);
    expect(films).toHaveLength(1);
    const r = await densityReport(other, films[0]!);
    expect(r.boxes).toHaveLength(1);
    const box = r.boxes[0]!;
    expect(box).toMatchObject({
      pattern: 'gray32',
      how: 'recognised',
      polarity: 'REVERSE',
      presentationLut: 'IDENTITY',
    });
    expect(box.minDensity).toBeCloseTo(0.2, 5);
    expect(box.maxDensity).toBeCloseTo(3.0, 5);
    expect(box.steps).toHaveLength(32);
    const c = { dmin: 0.2, dmax: 3.0, L0: 2000, La: 10 };
    for (const s of box.steps) {
      const expected = oracleStep(s.nominalValue, 12, { polarity: 'REVERSE', lut: 'IDENTITY' }, c);
      expect(Math.abs(s.measured - expected), s.label).toBeLessThanOrEqual(0.01);
    }
    expect(box.pass).toBe(true);
    expect(r.pass).toBe(true);
  }, 60_000);

  it("to this Lightbox's own printer: answers the film it made, whose report passes", async () => {
    const { status, body } = await print(other, 'tg18-unl80', {
      printer: 'LIGHTBOX',
      bits: 8,
      rows: 256,
      cols: 256,
    });
    expect(status, body.error).toBe(201);
    expect(body.ok, body.outcome).toBe(true);
    expect(body.filmId).toBeDefined();
    const r = await densityReport(other, body.filmId!);
    expect(r.boxes[0]).toMatchObject({ pattern: 'tg18-unl80', how: 'recognised', pass: true });
    expect(other.app.store.outbound.get(body.id)?.summary.target).toBe(
      `127.0.0.1:${other.dicomPort}:LIGHTBOX`,
    );
  }, 60_000);

  it('refuses what cannot be printed before anything is sent, and says what a printer refused', async () => {
    const runs = lb.app.store.outbound.list({}).length;
    const bad = async (body: object, name = 'gray32') => (await print(lb, name, body)).status;
    expect(await bad({})).toBe(400); // neither to nor printer
    expect(await bad({ to: 'x:1:A', printer: 'LIGHTBOX' })).toBe(400);
    expect(await bad({ to: 'no-port' })).toBe(400);
    expect(await bad({ to: `127.0.0.1:${scp.port}:P`, displayFormat: 'SLIDE' })).toBe(400);
    expect(await bad({ to: `127.0.0.1:${scp.port}:P`, displayFormat: 'STANDARD\\9,9' })).toBe(400);
    expect(await bad({ to: `127.0.0.1:${scp.port}:P`, rows: 5000 })).toBe(400);
    expect(await bad({ to: `127.0.0.1:${scp.port}:P` }, 'nope')).toBe(400);
    expect(await bad({ printer: 'NOSUCHPRINTER' })).toBe(404);
    expect(lb.app.store.outbound.list({}).length).toBe(runs);

    // A printer that takes one box per film refuses the film box: not printed, the answer kept.
    const { status, body } = await print(lb, 'gray18', {
      to: `127.0.0.1:${restricted.dicomPort}:IHERESTRICTED`,
      displayFormat: 'STANDARD\\2,1',
    });
    expect(status).toBe(201);
    expect(body.ok).toBe(false);
    expect(body.outcome).toMatch(/^N-CREATE Basic Film Box: 0x0106/);
    // Nobody listening: not printed, kept, with why.
    const down = await print(lb, 'gray18', { to: '127.0.0.1:1:NOBODY' });
    expect(down.body).toMatchObject({ ok: false });
    expect(lb.app.store.outbound.get(down.body.id)?.summary.ok).toBe(false);
  }, 60_000);
});

describe('pattern prints at once', () => {
  it('are two at most: a third is told to come back (429) while a printer holds them; they end when it goes', async () => {
    // A "printer" that accepts TCP connections and never answers the A-ASSOCIATE-RQ.
    const held = new Set<Socket>();
    const silent = createServer((s) => {
      held.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const body = { to: `127.0.0.1:${port}:SILENT`, bits: 8, rows: 64, cols: 64 };
      const first = print(lb, 'gray18', body);
      const second = print(lb, 'gray18', body);
      await expect.poll(() => held.size, { timeout: 5000 }).toBe(2);
      const third = await print(lb, 'gray18', body);
      expect(third.status).toBe(429);
      expect(third.body.error).toMatch(/2 pattern prints are running/);
      for (const s of held) s.destroy();
      for (const r of await Promise.all([first, second])) {
        expect(r.status).toBe(201);
        expect(r.body.ok).toBe(false);
      }
    } finally {
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  }, 30_000);
});

describe('lightbox print-pattern', () => {
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const sink = { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream;
    const code = await printPatternCommand(argv, {}, work, sink);
    return { code, out: out.join('') };
  };

  it('prints to a second Lightbox (exit 0), keeps the run in --data-dir, and refuses bad command lines', async () => {
    const before = filmIds(other);
    const dataDir = join(work, 'cli-store');
    const { code, out } = await run([
      'smpte',
      '--to',
      `127.0.0.1:${other.dicomPort}:LIGHTBOX`,
      '--bits',
      '8',
      '--rows',
      '512',
      '--cols',
      '512',
      '--film-size',
      '8inx10in',
      '--max-density',
      '300',
      '--data-dir',
      dataDir,
    ]);
    expect(code, out).toBe(0);
    expect(out).toMatch(
      /^pattern smpte \(8-bit 512x512, STANDARD\\1,1\) to 127\.0\.0\.1:\d+:LIGHTBOX: printed: N-ACTION 0x0000 \(kept as o1\)/,
    );
    expect(out).toMatch(/N-SET +Basic Grayscale Image Box +0x0000/);
    const films = newFilms(other, before);
    expect(films).toHaveLength(1);
    const r = await densityReport(other, films[0]!);
    expect(r.boxes[0]).toMatchObject({ pattern: 'smpte', how: 'recognised', maxDensity: 3 });

    await expect(run(['gray32', '--to', 'nohost'])).rejects.toThrow(UsageError);
    await expect(run(['gray32'])).rejects.toThrow(/--to HOST:PORT:AE is required/);
    await expect(run(['gray32', '--to', 'h:104:AE', '--polarity', 'SIDEWAYS'])).rejects.toThrow(
      /NORMAL or REVERSE/,
    );
    await expect(run(['gray32', '--to', 'h:104:AE', '--format', 'CUSTOM\\1'])).rejects.toThrow(
      /display format/,
    );
    await expect(run(['gray33', '--to', 'h:104:AE'])).rejects.toThrow(/no pattern "gray33"/);
    const json = await run(['gray18', '--to', '127.0.0.1:1:NOBODY', '--json', '--data-dir', dataDir]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ id: 'o2', ok: false });
  }, 60_000);
});
