/**
 * A measured curve loaded into a printer profile changes what Lightbox prints: readings with a
 * gamma error go through POST /api/qa/curves, its characteristicCurve into a profile file, and the
 * same 8-bit gray32 pattern printed by DCMTK to that printer and to the plain one renders the
 * readings' densities on the first (each step within 0.01 OD of the reading) and the GSDF on the
 * second, as the density reports and the density maps show.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { dcmPrint } from '../support/dcmprint.js';
import { oracleDensity } from '../support/gsdf-oracle.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

const C = { dmin: 0.2, dmax: 3.0, L0: 2000, La: 10 };
const GAMMA = 1.3;
const ddl = (i: number) => Math.round((255 * i) / 31);
const csv = `step,od\n${Array.from({ length: 32 }, (_, i) => `${i + 1},${oracleDensity((ddl(i) / 255) ** GAMMA, C).toFixed(2)}`).join('\n')}\n`;

let lb: TestLightbox;
let work: string;
let curve: {
  steps: { ddl: number; od: number; residual: number; jndError: number }[];
  characteristicCurve: unknown;
};
const base = () => `http://127.0.0.1:${lb.httpPort}`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-curve-e2e-'));
  // The analysis first, on a Lightbox of its own (the profile does not exist yet).
  const first = await startLightbox({ logLevel: 'warn' });
  try {
    const res = await fetch(`http://127.0.0.1:${first.httpPort}/api/qa/curves`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ csv, illumination: C.L0, ambient: C.La }),
    });
    expect(res.status).toBe(201);
    curve = (await res.json()) as typeof curve;
  } finally {
    await first.stop();
  }
  const printers = join(work, 'printers');
  mkdirSync(printers);
  writeFileSync(
    join(printers, 'drifted.yaml'),
    stringify({
      aeTitle: 'DRIFTED',
      name: 'A dry imager whose calibration drifted (gamma 1.3)',
      characteristicCurve: curve.characteristicCurve,
    }),
  );
  lb = await startLightbox({ logLevel: 'warn', printersDir: printers });
}, 60_000);
afterAll(async () => {
  await lb?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

let jobs = 0;
async function printTo(ae: string, file: string): Promise<string> {
  const before = new Set(lb.app.store.films.list({}, { limit: 100, order: 'asc' }).items.map((f) => f.id));
  const r = await dcmPrint(
    {
      port: lb.dicomPort,
      calledAe: ae,
      images: [file],
      columns: 1,
      rows: 1,
      filmSize: '8INX10IN',
      bits12: false,
      minDensity: 20,
      maxDensity: 300,
      illumination: C.L0,
      reflection: C.La,
    },
    join(work, `job${++jobs}`),
  );
  expect(r.exchanges.find((e) => e.request === 'N-ACTION')?.status, r.log.slice(-1500)).toBe(0);
  await lb.app.rendering.idle();
  return lb.app.store.films.list({}, { limit: 100, order: 'asc' }).items.find((f) => !before.has(f.id))!.id;
}

interface Report {
  pass: boolean;
  boxes: {
    steps: { nominalValue: number; target: number; measured: number; residual: number; jndError: number }[];
  }[];
}

describe('a printer profile with a measured characteristic curve', () => {
  it('prints the readings, not the GSDF; the plain printer still prints the GSDF', async () => {
    const res = await fetch(`${base()}/api/qa/patterns/gray32.dcm?bits=8&rows=512&cols=384`);
    const file = join(work, 'gray32.dcm');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const plainId = await printTo('LIGHTBOX', file);
    const driftedId = await printTo('DRIFTED', file);
    const report = async (id: string) =>
      (await (await fetch(`${base()}/api/films/${id}/qa`)).json()) as Report;
    const plain = await report(plainId);
    const drifted = await report(driftedId);
    expect(plain.pass).toBe(true);
    expect(drifted.pass).toBe(false);
    const readings = new Map(curve.steps.map((s) => [s.ddl, s]));
    let worst = 0;
    for (const s of drifted.boxes[0]!.steps) {
      const reading = readings.get(s.nominalValue)!;
      // Each step prints at the density the real printer's reading says...
      expect(Math.abs(s.measured - reading.od), `DDL ${s.nominalValue}`).toBeLessThanOrEqual(0.01);
      // ...so the report finds the curve's own error against the GSDF target.
      expect(Math.abs(s.residual - reading.residual)).toBeLessThanOrEqual(0.011);
      worst = Math.max(worst, Math.abs(s.measured - reading.od));
    }
    console.log(`drifted printer: worst |rendered - reading| ${worst.toFixed(4)} OD`);
    // The density maps differ where the gamma error is: mid-tones darker, ends the same.
    const map = async (id: string) => {
      const { data } = await sharp(await (await fetch(`${base()}/api/films/${id}/density.png`)).arrayBuffer())
        .toColourspace('grey16')
        .raw({ depth: 'ushort' })
        .toBuffer({ resolveWithObject: true });
      return new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
    };
    const [a, b] = await Promise.all([map(plainId), map(driftedId)]);
    expect(a.length).toBe(b.length);
    let darker = 0;
    let lighter = 0;
    for (let i = 0; i < a.length; i++) {
      if (b[i]! > a[i]! + 2) darker++;
      else if (b[i]! < a[i]! - 2) lighter++;
    }
    expect(darker / a.length).toBeGreaterThan(0.3);
    expect(lighter).toBe(0);
  }, 90_000);
});
