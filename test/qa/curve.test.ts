/**
 * Measured printer curves: densitometer readings of a 32-step film (written here with the
 * independent oracle, to 0.01 OD as a densitometer reads) analysed by POST /api/qa/curves. A
 * printer on the GSDF passes; one with a gamma error is detected, its gamma found, and each step's
 * error quantified in OD and JND as the oracle computes it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { analyseCurve, CurveError, parseReadings } from '../../src/qa/curve.js';
import { PROTOCOLS } from '../../src/qa/protocols.js';
import { bareApp } from '../support/app.js';
import { oracleDensity, oracleJ } from '../support/gsdf-oracle.js';

const C = { dmin: 0.2, dmax: 3.0, L0: 2000, La: 10 };
const ddl = (i: number) => Math.round((255 * i) / 31);

/** A 32-step film as read by a densitometer: the printer prints P^gamma on the GSDF. */
function readingsCsv(gamma: number, withDdl = false): string {
  const lines = [withDdl ? 'step,od,ddl' : 'step,od'];
  for (let i = 0; i < 32; i++) {
    const od = oracleDensity((ddl(i) / 255) ** gamma, C).toFixed(2);
    lines.push(withDdl ? `${i + 1},${od},${ddl(i)}` : `${i + 1},${od}`);
  }
  return `${lines.join('\n')}\n`;
}

const jndOf = (D: number) => oracleJ(C.La + C.L0 * 10 ** -D);

const app = bareApp();
afterAll(() => app.close());
const post = (body: unknown) =>
  app.inject({
    method: 'POST',
    url: '/api/qa/curves',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });

describe('POST /api/qa/curves', () => {
  it('a printer on the GSDF: gamma 1, every step within a densitometer reading, passes', async () => {
    const r = await post({ csv: readingsCsv(1) });
    expect(r.statusCode, r.body).toBe(201);
    const body = r.json();
    expect(body.dmin).toBe(0.2);
    expect(body.dmax).toBe(3);
    expect(body.steps).toHaveLength(32);
    expect(body.steps.map((s: { ddl: number }) => s.ddl)).toEqual(
      Array.from({ length: 32 }, (_, i) => ddl(i)),
    );
    expect(Math.abs(body.gamma - 1)).toBeLessThan(0.01);
    expect(body.maxAbsResidual).toBeLessThanOrEqual(0.006);
    expect(body.pass).toBe(true);
    // D.2.4: JNDs per DDL increment roughly constant, as for the standard's example (2.4 at 8 bits).
    expect(body.jndPerDdl.mean).toBeCloseTo(2.4, 1);
  });

  it('a gamma 1.3 error: detected, its gamma found, each step quantified in OD and JND', async () => {
    const r = await post({ csv: readingsCsv(1.3, true) });
    expect(r.statusCode, r.body).toBe(201);
    const body = r.json();
    expect(body.pass).toBe(false);
    expect(body.gamma).toBeGreaterThan(1.28);
    expect(body.gamma).toBeLessThan(1.32);
    for (const s of body.steps as { ddl: number; od: number; target: number; jndError: number }[]) {
      // The JND error per step is what the oracle says: the reading's JND less the GSDF target's.
      const expected = jndOf(s.od) - jndOf(oracleDensity(s.ddl / 255, C));
      expect(Math.abs(s.jndError - expected), `DDL ${s.ddl}`).toBeLessThan(0.3);
    }
    // Darker mid-tones (P^1.3 < P): negative JND errors, the largest tens of JNDs.
    expect(body.maxAbsJndError).toBeGreaterThan(20);
    const mid = body.steps.find((s: { ddl: number }) => s.ddl === 132);
    expect(mid.residual).toBeGreaterThan(0.1);
    expect(mid.jndError).toBeLessThan(-20);
    // Its JNDs per increment are no longer flat: fewer at low P, more at high P.
    expect(body.jndPerDdl.fitAtP1 - body.jndPerDdl.fitAtP0).toBeGreaterThan(0.5);
    expect(body.characteristicCurve.points).toHaveLength(32);
    expect(body.characteristicCurve.points[0]).toEqual({ p: 0, od: 3 });
  });

  it('plots the readings over the GSDF target (?format=svg)', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/qa/curves?format=svg',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ csv: readingsCsv(1.3) }),
    });
    expect(r.statusCode).toBe(201);
    expect(r.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(r.body.match(/<circle /g)).toHaveLength(64);
    expect(r.body).toMatch(/gamma 1\.3\d - FAIL/);
  });

  it('judges by mammo-qc or your own tolerance', async () => {
    const loose = (await post({ csv: readingsCsv(1.05), toleranceOd: 0.2 })).json();
    expect(loose.pass).toBe(true);
    expect(loose.protocol.name).toBe('ps3.14-d2+own');
    const mammo = (await post({ csv: readingsCsv(1.3), protocol: 'mammo-qc' })).json();
    expect(mammo.protocol.name).toBe('mammo-qc');
    expect(mammo.steps[0].tolerance).toBe(0.2);
  });

  it('refuses readings it cannot read, naming the line', async () => {
    for (const [csv, why] of [
      ['step,od\n1,3.0\n2,abc\n3,0.2\n', /line 3: OD/],
      ['step,od\n1,3.0\n', /at least 3/],
      ['foo,bar\n1,2\n2,1\n3,0.2\n', /header/],
      ['1,3.0,0\n2,2.0,0\n3,0.2,255\n', /two readings for one DDL/],
      ['1,3.0,0\n2,2.0,300\n3,0.2,255\n', /line 2: DDL/],
      ['1,1.0\n2,1.02\n3,1.05\n', /not a step film/],
    ] as const) {
      const r = await post({ csv });
      expect(r.statusCode, csv).toBe(400);
      expect(r.json().error).toMatch(why);
    }
    expect((await post({ csv: 'x'.repeat(300_000) })).statusCode).toBe(400);
    expect((await post({ csv: readingsCsv(1), bits: 16 })).statusCode).toBe(400);
  });

  it('is a control request: JSON only', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/qa/curves',
      headers: { 'content-type': 'text/plain' },
      payload: readingsCsv(1),
    });
    expect(r.statusCode).toBeGreaterThanOrEqual(400);
  });
});

describe('parseReadings and analyseCurve', () => {
  it('reads 12-bit DDLs, comments and semicolons', () => {
    const r = parseReadings('# film 3\nstep;od\n1;3.1\n2;1.0\n\n3;0.21\n', 12);
    expect(r.map((x) => x.ddl)).toEqual([0, 2048, 4095]);
    const a = analyseCurve(r, {
      bits: 12,
      viewing: { illumination: 2000, reflectedAmbient: 10 },
      protocol: PROTOCOLS['ps3.14-d2'],
    });
    expect(a.dmax).toBe(3.1);
    expect(() => parseReadings('1,2\n', 8)).toThrow(CurveError);
  });
});
