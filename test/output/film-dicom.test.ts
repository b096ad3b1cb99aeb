/**
 * film.dcm: the film as a multi-frame Secondary Capture object at its pixel matrix, valid for
 * dicom3tools' dciodvfy (no error) and DCMTK's dcmdump, pixels equal to film.png (8-bit) or
 * density.png (16-bit), color films in RGB, identity from the printed images or the defaults.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Uid } from '../../src/dicom/uids.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { printRendered, rerender, run } from '../support/rendered-film.js';

let lb: TestLightbox;
let tmp: string;
beforeAll(async () => {
  lb = await startLightbox({ logLevel: 'warn' });
  tmp = mkdtempSync(join(tmpdir(), 'lightbox-dcm-'));
});
afterAll(async () => {
  await lb?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function getDcm(id: string, query = ''): Promise<{ path: string; bytes: Buffer }> {
  const r = await lb.app.http.inject({ url: `/api/films/${id}/film.dcm${query}` });
  expect(r.statusCode, r.body.slice(0, 200)).toBe(200);
  expect(r.headers['content-type']).toBe('application/dicom');
  const path = join(tmp, `${id}${query.replace(/\W/g, '')}.dcm`);
  writeFileSync(path, r.rawPayload);
  return { path, bytes: r.rawPayload };
}

/** dciodvfy's findings: it reports on stderr, one "Error - " or "Warning - " line each. */
async function validate(path: string): Promise<{ errors: string[]; output: string }> {
  const r = await run('dciodvfy', [path]).catch((e: { stdout: string; stderr: string }) => e);
  const output = `${r.stderr}${r.stdout}`;
  return { errors: output.split('\n').filter((l) => /^Error/.test(l)), output };
}

async function dump(path: string): Promise<string> {
  return (await run('dcmdump', ['-M', '+L', '-Un', path], { maxBuffer: 64 * 1024 * 1024 })).stdout;
}

const value = (d: string, tag: string) =>
  new RegExp(`\\(${tag}\\) \\w\\w \\[?([^\\]\\n#]*)`).exec(d)?.[1]?.trim();

describe('GET /api/films/{id}/film.dcm', () => {
  it('8-bit grey: a valid Grayscale Byte SC at the film matrix, spacing from the dpi, identity from the images', async () => {
    const { id, dir } = await printRendered(lb, {
      filmSize: '8INX10IN',
      format: 'STANDARD\\1,2',
      images: [
        [128, 128],
        [64, 64],
      ],
      session: { '20000050': { vr: 'LO', Value: ['KNEE FOLLOW-UP'] } },
      item: {
        '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JANE' }] },
        '00100020': { vr: 'LO', Value: ['PID-0042'] },
        '0020000D': { vr: 'UI', Value: ['1.2.826.0.1.3680043.10.1387.42'] },
        '00080050': { vr: 'SH', Value: ['ACC77'] },
      },
    });
    const { path, bytes } = await getDcm(id);
    const v = await validate(path);
    expect(v.errors, v.output).toEqual([]);
    const d = await dump(path);
    expect(value(d, '0008,0016')).toBe(Uid.MultiFrameGrayscaleByteSecondaryCaptureImageStorage);
    expect(value(d, '0008,0060')).toBe('HC');
    expect(value(d, '0010,0010')).toBe('DOE^JANE');
    expect(value(d, '0010,0020')).toBe('PID-0042');
    expect(value(d, '0020,000d')).toBe('1.2.826.0.1.3680043.10.1387.42');
    expect(value(d, '0008,0050')).toBe('ACC77');
    expect(value(d, '0008,1030')).toBe('KNEE FOLLOW-UP');
    expect(value(d, '0028,0010')).toBe('3200'); // 254 mm at 320 dpi
    expect(value(d, '0028,0011')).toBe('2560');
    expect(value(d, '0028,0030')).toBe('0.079375\\0.079375');
    expect(value(d, '0028,0004')).toBe('MONOCHROME2');
    expect(value(d, '2050,0020')).toBe('IDENTITY');
    // The pixels are film.png's, the last bytes of the file.
    const film = await sharp(join(dir, 'film.png')).greyscale().raw().toBuffer();
    expect(bytes.subarray(bytes.length - film.length).equals(film)).toBe(true);
    // Made again, the same object (UIDs derived from the film and its job).
    const again = await getDcm(id);
    expect(again.bytes.equals(bytes)).toBe(true);
  }, 120_000);

  it('16-bit: presentation values from the densities (Word SC); no identity sent: empty patient, a study per print job', async () => {
    const { id, dir } = await printRendered(lb, { filmSize: '8INX10IN' });
    const { path, bytes } = await getDcm(id, '?depth=16');
    const v = await validate(path);
    expect(v.errors, v.output).toEqual([]);
    const d = await dump(path);
    expect(value(d, '0008,0016')).toBe(Uid.MultiFrameGrayscaleWordSecondaryCaptureImageStorage);
    expect(value(d, '0028,0004')).toBe('MONOCHROME2');
    expect(value(d, '0028,0101')).toBe('16');
    expect(d).toMatch(/\(0010,0010\) PN \(no value available\)/);
    expect(value(d, '0020,000d')).toMatch(/^2\.25\.\d+$/);
    // At 16 bits what film.png shows at 8: each 16-bit value rounds to film.png's.
    const film = await sharp(join(dir, 'film.png')).greyscale().raw().toBuffer();
    const deep = bytes.subarray(bytes.length - film.length * 2);
    let off = 0;
    for (let i = 0; i < film.length; i++)
      if (Math.abs(Math.round(deep.readUInt16LE(i * 2) / 257) - film[i]!) > 0) off++;
    expect(off).toBe(0);
  }, 120_000);

  it('a color film: True Color SC in RGB', async () => {
    const { id, dir } = await printRendered(lb, { filmSize: '8INX10IN' });
    await rerender(dir, (f) => {
      const box = f.imageBoxes[0]!;
      const rgb = Buffer.alloc(32 * 32 * 3);
      for (let i = 0; i < rgb.length; i += 3) rgb[i] = 200;
      writeFileSync(join(dir, 'box-color.raw'), rgb);
      box.sopClassUid = Uid.BasicColorImageBox;
      box.image = {
        rows: 32,
        columns: 32,
        samplesPerPixel: 3,
        photometricInterpretation: 'RGB',
        bitsAllocated: 8,
        bitsStored: 8,
        highBit: 7,
        pixelRepresentation: 0,
        planarConfiguration: 0,
        file: 'box-color.raw',
        bytes: rgb.length,
      };
    });
    const { path, bytes } = await getDcm(id);
    const v = await validate(path);
    expect(v.errors, v.output).toEqual([]);
    const d = await dump(path);
    expect(value(d, '0008,0016')).toBe(Uid.MultiFrameTrueColorSecondaryCaptureImageStorage);
    expect(value(d, '0028,0004')).toBe('RGB');
    expect(value(d, '0028,0002')).toBe('3');
    const film = await sharp(join(dir, 'film.png')).raw().toBuffer();
    expect(bytes.subarray(bytes.length - film.length).equals(film)).toBe(true);
  }, 120_000);
});
