/**
 * End to end: every QA test pattern, downloaded from Lightbox's own route, printed by DCMTK's print
 * SCU (dcmpsprt + dcmprscu, over TCP) to Lightbox, rendered, and measured by GET /api/films/:id/qa.
 * Each step's measured density must match an independent GSDF computation written here from
 * PS3.14 (Equations 7-1..7-5 and D.2-1, the coefficients as printed in the standard; nothing from
 * src/) to within 0.01 OD, in NORMAL and REVERSE polarity, with IDENTITY and LIN OD Presentation LUTs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmPrint, type PrintOptions } from '../support/dcmprint.js';
import { type Conditions, oracleDensity, oracleJ, oracleStep } from '../support/gsdf-oracle.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { printFilm } from '../support/print-session.js';

describe('the oracle', () => {
  it("reproduces PS3.14's transmissive example (L0 2000, La 10, Dmin 0.20, Dmax 3.00; 8-bit P)", () => {
    const c = { dmin: 0.2, dmax: 3.0, L0: 2000, La: 10 };
    expect(oracleJ(12)).toBeCloseTo(233.32, 1);
    expect(oracleJ(1271.915)).toBeCloseTo(847.19, 1);
    const expected: [number, number][] = [
      [0, 2.9992],
      [32, 2.1039],
      [64, 1.6991],
      [128, 1.1224],
      [192, 0.6418],
      [255, 0.2001],
    ];
    for (const [p, d] of expected)
      expect(Math.abs(oracleDensity(p / 255, c) - d), `p=${p}`).toBeLessThan(0.002);
  });
});

// ---------------------------------------------------------------------------------------------

let lb: TestLightbox;
let work: string;
const base = () => `http://127.0.0.1:${lb.httpPort}`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-qa-e2e-'));
  lb = await startLightbox({ logLevel: 'warn' });
}, 60_000);
afterAll(async () => {
  await lb?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Step {
  label: string;
  nominalValue: number;
  storedValue: number;
  target: number;
  measured: number;
  residual: number;
  jndError: number;
  tolerance: number;
  pass: boolean;
}
interface BoxReport {
  position: number;
  pattern: string;
  how: string;
  polarity: string;
  presentationLut: string;
  minDensity: number;
  maxDensity: number;
  steps: Step[];
  intervals: { jndPerValueTarget: number; jndPerValueMeasured: number }[];
  uniformity?: { spread: number; pass: boolean };
  pass: boolean;
}
interface Report {
  film: string;
  viewing: { illumination: number; reflectedAmbient: number };
  boxes: BoxReport[];
  positions: { label: string; positions: number[]; spread: number; pass: boolean }[];
  skipped: { position: number; reason: string }[];
  pass: boolean;
}

let jobs = 0;
/** Download a pattern from Lightbox, print it with DCMTK, wait for the film, return its id. */
async function printPattern(
  name: string,
  bits: 8 | 12,
  o: Partial<PrintOptions> & { patternRows?: number; patternCols?: number } = {},
): Promise<string> {
  const { patternRows = 512, patternCols = 384, ...print } = o;
  const res = await fetch(
    `${base()}/api/qa/patterns/${name}.dcm?bits=${bits}&rows=${patternRows}&cols=${patternCols}`,
  );
  expect(res.status).toBe(200);
  const file = join(work, `${name}-${bits}-${++jobs}.dcm`);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const before = new Set(lb.app.store.films.list({}, { limit: 1000, order: 'asc' }).items.map((f) => f.id));
  const r = await dcmPrint(
    {
      port: lb.dicomPort,
      calledAe: 'LIGHTBOX',
      // One copy of the pattern in every box of the layout.
      images: Array.from({ length: (print.columns ?? 1) * (print.rows ?? 1) }, () => file),
      columns: 1,
      rows: 1,
      filmSize: '8INX10IN',
      // 8-bit patterns go as 8 bits (DCMTK would otherwise send them as 12, 255 -> 4080).
      bits12: bits === 12,
      ...print,
    },
    join(work, `job${jobs}`),
  );
  const action = r.exchanges.find((e) => e.request === 'N-ACTION');
  expect(action?.status, r.log.slice(-2000)).toBe(0);
  await lb.app.rendering.idle();
  const films = lb.app.store.films
    .list({}, { limit: 1000, order: 'asc' })
    .items.filter((f) => !before.has(f.id));
  expect(films).toHaveLength(1);
  return films[0]!.id;
}

async function qa(id: string, query = ''): Promise<Report> {
  const res = await fetch(`${base()}/api/films/${id}/qa${query}`);
  const body = (await res.json()) as Report & { error?: string };
  expect(res.status, body.error).toBe(200);
  return body;
}

const PATTERNS = ['gray32', 'gray18', 'smpte', 'tg18-qc', 'tg18-unl10', 'tg18-unl80'] as const;
const CASES = [
  { polarity: 'NORMAL', lut: 'IDENTITY' },
  { polarity: 'REVERSE', lut: 'IDENTITY' },
  { polarity: 'NORMAL', lut: 'LIN OD' },
  { polarity: 'REVERSE', lut: 'LIN OD' },
] as const;

/** Check every step of a box against the oracle; returns the largest difference. */
function checkAgainstOracle(box: BoxReport, bits: number, o: (typeof CASES)[number], c: Conditions): number {
  expect(box.polarity).toBe(o.polarity);
  expect(box.presentationLut).toBe(o.lut);
  expect(box.minDensity).toBeCloseTo(c.dmin, 5);
  expect(box.maxDensity).toBeCloseTo(c.dmax, 5);
  let worst = 0;
  for (const s of box.steps) {
    // The SCU delivered the pattern's own values.
    expect(s.storedValue, s.label).toBeCloseTo(s.nominalValue, 5);
    const expected = oracleStep(s.nominalValue, bits, o, c);
    // Lightbox's target agrees with the oracle closely; what it rendered within 0.01 OD.
    expect(Math.abs(s.target - expected), `${s.label} target`).toBeLessThan(0.002);
    expect(
      Math.abs(s.measured - expected),
      `${s.label}: measured ${s.measured}, oracle ${expected}`,
    ).toBeLessThanOrEqual(0.01);
    worst = Math.max(worst, Math.abs(s.measured - expected));
  }
  return worst;
}

describe('density reports of patterns printed by DCMTK', () => {
  const worst: Record<string, number> = {};
  afterAll(() => {
    // The figures for the report: the largest |measured - oracle| per case.
    console.log(JSON.stringify(worst, null, 1));
  });

  for (const name of PATTERNS)
    for (const o of CASES) {
      const bits = o.polarity === 'NORMAL' ? 12 : 8;
      it(`${name} ${bits}-bit, ${o.polarity}, ${o.lut}: every step within 0.01 OD of PS3.14`, async () => {
        const c = { dmin: 0.2, dmax: 3.0, L0: 2000, La: 10 };
        const id = await printPattern(name, bits, {
          polarity: o.polarity,
          plut: o.lut === 'LIN OD' ? 'lin-od' : 'identity',
          minDensity: 20,
          maxDensity: 300,
          illumination: c.L0,
          reflection: c.La,
        });
        const r = await qa(id);
        expect(r.viewing).toEqual({ illumination: 2000, reflectedAmbient: 10 });
        expect(r.boxes).toHaveLength(1);
        const box = r.boxes[0]!;
        expect(box.pattern).toBe(name);
        expect(box.how).toBe('recognised');
        worst[`${name} ${bits} ${o.polarity} ${o.lut}`] = checkAgainstOracle(box, bits, o, c);
        expect(box.pass).toBe(true);
        if (name === 'gray32')
          expect(box.steps.map((s) => s.nominalValue)).toEqual(
            Array.from({ length: 32 }, (_, i) => Math.round(((2 ** bits - 1) * i) / 31)),
          );
      }, 60_000);
    }

  it('uses the film box Illumination and Reflected Ambient Light DCMTK sends, and other densities', async () => {
    const c = { dmin: 0.25, dmax: 2.6, L0: 3500, La: 25 };
    const id = await printPattern('gray18', 12, {
      minDensity: 25,
      maxDensity: 260,
      illumination: c.L0,
      reflection: c.La,
    });
    const r = await qa(id);
    expect(r.viewing).toEqual({ illumination: 3500, reflectedAmbient: 25 });
    const box = r.boxes[0]!;
    checkAgainstOracle(box, 12, { polarity: 'NORMAL', lut: 'IDENTITY' }, c);
    // PS3.14 D.2.4: the JNDs per increment of the input hold roughly constant along a GSDF curve.
    const perValue = box.intervals.map((i) => i.jndPerValueTarget);
    expect(Math.max(...perValue) / Math.min(...perValue)).toBeLessThan(1.1);
  }, 60_000);

  it('a pattern sent as MONOCHROME1 (dcmprscu --monochrome1) is recognised and measured the same', async () => {
    const c = { dmin: 0.2, dmax: 3.0, L0: 2000, La: 10 };
    const id = await printPattern('gray18', 12, { monochrome1: true, minDensity: 20, maxDensity: 300 });
    const r = await qa(id);
    const box = r.boxes[0]! as BoxReport & { photometricInterpretation: string };
    expect(box.photometricInterpretation).toBe('MONOCHROME1');
    expect(box.pattern).toBe('gray18');
    for (const s of box.steps) {
      const expected = oracleStep(s.nominalValue, 12, { polarity: 'NORMAL', lut: 'IDENTITY' }, c);
      expect(Math.abs(s.measured - expected), s.label).toBeLessThanOrEqual(0.01);
    }
  }, 60_000);

  it('reports each frame position of a multi-box film, and the spread across positions', async () => {
    const c = { dmin: 0.2, dmax: 3.2, L0: 2000, La: 10 };
    const id = await printPattern('gray32', 12, { patternRows: 256, patternCols: 192, columns: 2, rows: 2 });
    const r = await qa(id);
    expect(r.boxes.map((b) => b.position)).toEqual([1, 2, 3, 4]);
    for (const b of r.boxes) checkAgainstOracle(b, 12, { polarity: 'NORMAL', lut: 'IDENTITY' }, c);
    expect(r.positions).toHaveLength(32);
    for (const p of r.positions) {
      expect(p.positions).toEqual([1, 2, 3, 4]);
      expect(p.spread).toBeLessThanOrEqual(0.01);
      expect(p.pass).toBe(true);
    }
    expect(r.pass).toBe(true);
  }, 60_000);
});

describe('the report route', () => {
  let gray32: string;
  beforeAll(async () => {
    gray32 = await printPattern('gray32', 12, { minDensity: 20, maxDensity: 300 });
  }, 60_000);

  it('judges by a named protocol or by your own tolerance', async () => {
    const d2 = await qa(gray32);
    expect(d2.pass).toBe(true);
    expect(d2.boxes[0]!.steps.every((s) => s.tolerance === 0.05)).toBe(true);
    const mammo = await qa(gray32, '?protocol=mammo-qc');
    const steps = mammo.boxes[0]!.steps;
    // Step 1 is Max Density (3.00), step 32 Min Density (0.20), the rest by their target.
    expect(steps[0]!.tolerance).toBe(0.2);
    expect(steps[31]!.tolerance).toBe(0.03);
    expect(steps.find((s) => s.target > 2.05 && s.target < 2.9)!.tolerance).toBe(0.15);
    expect(steps.find((s) => s.target < 1.5 && s.target > 0.3)!.tolerance).toBe(0.1);
    // Tighter than the density map's hundredths: some steps must fail, and the film with them.
    const strict = await qa(gray32, '?toleranceOd=0.001');
    expect((strict as unknown as { protocol: { name: string } }).protocol.name).toBe('ps3.14-d2+own');
    const failed = strict.boxes[0]!.steps.filter((s) => !s.pass);
    expect(failed.length).toBeGreaterThan(0);
    for (const s of failed) expect(Math.abs(s.residual)).toBeGreaterThan(0.001);
    expect(strict.boxes[0]!.pass).toBe(false);
    expect(strict.pass).toBe(false);
  });

  it('measures a chosen pattern even when the pixels say otherwise, and says how well it matched', async () => {
    const r = await qa(gray32, '?pattern=gray18');
    expect(r.boxes[0]!.how).toBe('chosen');
    expect(r.boxes[0]!.pattern).toBe('gray18');
    expect((r.boxes[0] as unknown as { match: number }).match).toBeLessThan(0.98);
  });

  it('draws the report as SVG: the target curve, a dot per step in each chart', async () => {
    const res = await fetch(`${base()}/api/films/${gray32}/qa.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const svg = await res.text();
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(64);
    expect(svg).toContain('class="target"');
    expect(svg).toContain('PASS');
    // The same plot as PNG.
    const png = await fetch(`${base()}/api/films/${gray32}/qa.png`);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    const meta = await sharp(Buffer.from(await png.arrayBuffer())).metadata();
    expect(meta.width).toBe(640);
  });

  it('answers 409 while a film is not rendered, for reports and diffs', async () => {
    const other = await startLightbox({ logLevel: 'warn', noRender: true });
    try {
      expect((await printFilm(other.dicomPort, { called: 'LIGHTBOX' })).status).toBe(0);
      const [film] = other.app.store.films.list({}, { limit: 10, order: 'asc' }).items;
      const url = `http://127.0.0.1:${other.httpPort}/api/films/${film!.id}`;
      const res = await fetch(`${url}/qa`);
      expect(res.status).toBe(409);
      expect(((await res.json()) as { error: string }).error).toMatch(/pending, not rendered/);
      const diff = await fetch(`${url}/diff`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ against: film!.id }),
      });
      expect(diff.status).toBe(409);
    } finally {
      await other.stop();
    }
  }, 60_000);

  it('answers 404 for no film, 422 for a film with no test pattern', async () => {
    expect((await fetch(`${base()}/api/films/nope/qa`)).status).toBe(404);
    expect((await fetch(`${base()}/api/films/nope/qa?protocol=bogus`)).status).toBe(400);
    // An image that is no pattern (a byte ramp), through the repo's own SCU.
    const before = new Set(lb.app.store.films.list({}, { limit: 1000, order: 'asc' }).items.map((f) => f.id));
    expect((await printFilm(lb.dicomPort, { called: 'LIGHTBOX', images: [[300, 200]] })).status).toBe(0);
    await lb.app.rendering.idle();
    const ct = lb.app.store.films
      .list({}, { limit: 1000, order: 'asc' })
      .items.find((f) => !before.has(f.id))!.id;
    const res = await fetch(`${base()}/api/films/${ct}/qa`);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toMatch(/no known test pattern/);
  }, 60_000);
});
