/**
 * QA test patterns: the PS3.14 D.2 step values, every pattern's patches, the DICOM files read
 * back by DCMTK (dcmdump) and checked against the IOD by dicom3tools (dciodvfy), and the routes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { patternFile } from '../../src/qa/pattern-dicom.js';
import { drawPattern, PATTERN_NAMES, type PatternBits } from '../../src/qa/patterns.js';
import { bareApp } from '../support/app.js';

const dir = mkdtempSync(join(tmpdir(), 'lightbox-qa-patterns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** PS3.14 D.2.4's 32 P-values of its 8-bit example pattern, as printed in the standard. */
const D24_P_VALUES = [
  0, 8, 16, 25, 33, 41, 49, 58, 66, 74, 82, 90, 99, 107, 115, 123, 132, 140, 148, 156, 165, 173, 181, 189,
  197, 206, 214, 222, 230, 239, 247, 255,
];

/** dciodvfy, when Debian's dicom3tools is installed (scripts/test.sh installs it). */
const hasDciodvfy = (() => {
  try {
    execFileSync('dciodvfy', [], { stdio: 'ignore' });
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
})();

describe('test patterns', () => {
  it('gray32 at 8 bits has the 32 P-values of PS3.14 D.2.4, one bar each, darkest on top', () => {
    const p = drawPattern('gray32', { bits: 8 });
    expect(p.patches.map((s) => s.value)).toEqual(D24_P_VALUES);
    // Every bar is drawn with its value across the whole width.
    for (const s of p.patches) {
      const y = Math.round(s.rect.y + s.rect.height / 2);
      const row = p.pixels.subarray(y * p.columns, (y + 1) * p.columns);
      expect(row.every((v) => v === s.value)).toBe(true);
    }
  });

  it('gray18 and 12-bit steps follow Equation D.2-1', () => {
    const p = drawPattern('gray18', { bits: 12 });
    expect(p.patches).toHaveLength(18);
    expect(p.patches.map((s) => s.value)).toEqual(
      Array.from({ length: 18 }, (_, i) => Math.round((4095 * i) / 17)),
    );
  });

  for (const name of PATTERN_NAMES)
    for (const bits of [8, 12] as PatternBits[])
      it(`${name} ${bits}-bit: every patch reads its own value, nothing exceeds ${bits} bits`, () => {
        const p = drawPattern(name, { bits, rows: 600, columns: 500 });
        expect(p.pixels).toHaveLength(600 * 500);
        expect(p.pixels.reduce((m, v) => Math.max(m, v), 0)).toBeLessThan(2 ** bits);
        expect(p.patches.length).toBeGreaterThanOrEqual(9);
        for (const s of p.patches) {
          const { x, y, width, height } = s.rect;
          expect(width).toBeGreaterThan(4);
          for (let yy = Math.ceil(y); yy < Math.floor(y + height); yy++)
            for (let xx = Math.ceil(x); xx < Math.floor(x + width); xx++)
              if (p.pixels[yy * p.columns + xx] !== s.value)
                throw new Error(
                  `${s.label}: pixel ${xx},${yy} is ${p.pixels[yy * p.columns + xx]}, not ${s.value}`,
                );
        }
      });

  it('refuses sizes outside the bounds', () => {
    expect(() => drawPattern('gray32', { rows: 63 })).toThrow(/rows 63/);
    expect(() => drawPattern('smpte', { columns: 5000 })).toThrow(/columns 5000/);
  });
});

describe('pattern DICOM files', () => {
  for (const name of PATTERN_NAMES)
    for (const bits of [8, 12] as PatternBits[])
      it(`${name} ${bits}-bit reads back in dcmdump${hasDciodvfy ? ' and passes dciodvfy' : ''}`, () => {
        const p = drawPattern(name, { bits, rows: 256, columns: 200 });
        const file = join(dir, `${name}-${bits}.dcm`);
        writeFileSync(file, patternFile(p));
        const dump = execFileSync('dcmdump', ['-M', '+L', file], { encoding: 'utf8' });
        expect(dump).toContain('(0002,0010) UI =LittleEndianExplicit');
        expect(dump).toContain('(0008,0016) UI =SecondaryCaptureImageStorage');
        expect(dump).toContain('(0028,0004) CS [MONOCHROME2]');
        expect(dump).toMatch(/\(0028,0010\) US 256\b/);
        expect(dump).toMatch(/\(0028,0011\) US 200\b/);
        expect(dump).toMatch(new RegExp(`\\(0028,0101\\) US ${bits}\\b`));
        expect(dump).toMatch(
          new RegExp(`\\(7fe0,0010\\) ${bits === 8 ? 'OB' : 'OW'} .*# ${256 * 200 * (bits === 8 ? 1 : 2)},`),
        );
        // The pixels DCMTK reads are the pattern's: dcmdump writes the value out to a file.
        const raw = join(dir, `${name}-${bits}.raw`);
        execFileSync('dcmdump', ['+W', dir, file], { encoding: 'utf8' });
        const written = execFileSync(
          'sh',
          ['-c', `ls ${dir} | grep -E '^${name}-${bits}\\.dcm\\.0\\.raw$' || true`],
          {
            encoding: 'utf8',
          },
        ).trim();
        expect(written, `dcmdump +W wrote ${raw}`).not.toBe('');
        const bytes = execFileSync('cat', [join(dir, written)]);
        const expected =
          bits === 8
            ? Buffer.from(Uint8Array.from(p.pixels))
            : Buffer.from(p.pixels.buffer, 0, p.pixels.byteLength);
        expect(bytes.equals(expected)).toBe(true);
        if (hasDciodvfy) {
          let out: string;
          try {
            out = execFileSync('dciodvfy', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
          } catch (e) {
            out = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
          }
          const errors = out.split('\n').filter((l) => l.startsWith('Error'));
          expect(errors, out).toEqual([]);
        }
      });
});

describe('GET /api/qa/patterns', () => {
  const app = bareApp();
  afterAll(() => app.close());

  it('lists every pattern with its download link', async () => {
    const r = await app.inject({ url: '/api/qa/patterns' });
    expect(r.statusCode).toBe(200);
    const body = r.json() as { patterns: { name: string; href: string }[]; bits: number[] };
    expect(body.patterns.map((p) => p.name)).toEqual([...PATTERN_NAMES]);
    expect(body.patterns[0]!.href).toBe('/api/qa/patterns/gray32.dcm');
    expect(body.bits).toEqual([8, 12]);
  });

  it('serves a pattern as DICOM at the size and depth asked', async () => {
    const r = await app.inject({ url: '/api/qa/patterns/gray18.dcm?bits=8&rows=300&cols=200' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/dicom');
    const file = join(dir, 'served.dcm');
    writeFileSync(file, r.rawPayload);
    const dump = execFileSync('dcmdump', [file], { encoding: 'utf8' });
    expect(dump).toMatch(/\(0028,0010\) US 300\b/);
    expect(dump).toMatch(/\(0028,0101\) US 8\b/);
    expect(r.rawPayload.length).toBeGreaterThan(300 * 200);
  });

  it('refuses an unknown pattern, bits other than 8 and 12, and sizes out of bounds', async () => {
    for (const url of [
      '/api/qa/patterns/nope.dcm',
      '/api/qa/patterns/gray32.dcm?bits=16',
      '/api/qa/patterns/gray32.dcm?rows=10',
      '/api/qa/patterns/gray32.dcm?cols=100000',
    ]) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(r.statusCode, url).toBeLessThan(500);
    }
  });
});

describe('GET /api/qa/patterns/{name}.dcm under a burst', () => {
  const app = bareApp();
  afterAll(() => app.close());

  it('makes one at a time, four waiting; the rest are told to come back (503), none lost', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => app.inject({ url: '/api/qa/patterns/smpte.dcm?rows=2048&cols=2048' })),
    );
    const codes = answers.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200).length).toBeGreaterThanOrEqual(4);
    expect(codes.filter((c) => c === 503).length).toBeGreaterThan(0);
    expect(codes.every((c) => c === 200 || c === 503)).toBe(true);
    for (const r of answers.filter((x) => x.statusCode === 503)) expect(r.headers['retry-after']).toBe('1');
    for (const r of answers.filter((x) => x.statusCode === 200))
      expect(r.rawPayload.length).toBeGreaterThan(2048 * 2048 * 2);
    // Once the burst is over, the next one is served.
    expect((await app.inject({ url: '/api/qa/patterns/gray18.dcm?rows=64&cols=64' })).statusCode).toBe(200);
  });
});
