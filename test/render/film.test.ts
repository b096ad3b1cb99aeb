/** Printed films rendered as the printer would expose them: geometry, densities, color, true size. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import { MAGNIFICATION_TYPES } from '../../src/profiles/profile-schema.js';
import { kernelFor } from '../../src/render/film.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { grayImage, Scu } from '../support/scu.js';

const META = Uid.BasicGrayscalePrintManagementMeta;
let lb: TestLightbox;
let printersDir = '';
beforeAll(async () => {
  // STAMPER: stamps every film and prints text over the images (annotationArea: overlay).
  printersDir = mkdtempSync(join(tmpdir(), 'lightbox-film-printers-'));
  writeFileSync(
    join(printersDir, 'stamper.yaml'),
    [
      'aeTitle: STAMPER',
      'name: Stamps over the images',
      'annotationArea: overlay',
      'stamp: { filmSessionLabel: true, printer: true, labelAt: bottom-left, printerAt: bottom-right }',
    ].join('\n'),
  );
  lb = await startLightbox({ logLevel: 'warn', printersDir });
});
afterAll(async () => {
  await lb?.stop();
  if (printersDir) rmSync(printersDir, { recursive: true, force: true });
});

const cs = (v: string) => ({ vr: 'CS', Value: [v] });
const us = (v: number) => ({ vr: 'US', Value: [v] });
const ref = (cls: string, uid: string): DcmDataset => ({
  '00081150': { vr: 'UI', Value: [cls] },
  '00081155': { vr: 'UI', Value: [uid] },
});

function filmsDir(): string {
  return join(lb.app.printers[0]!.runtime.dataDir, 'films');
}

/** Print one film on a Lightbox at `port` through a real SCU (session, film box, images, N-ACTION). */
async function sendFilm(
  port: number,
  meta: string,
  filmBox: DcmDataset,
  images: (DcmDataset | undefined)[],
  session: DcmDataset = {},
  o: { called?: string; annotations?: string[] } = {},
) {
  const s = await Scu.open(port, {
    abstractSyntaxes: [meta, ...(o.annotations ? [Uid.BasicAnnotationBox] : [])],
    ...(o.called ? { called: o.called } : {}),
  });
  const sid = (await s.nCreate(meta, Uid.BasicFilmSession, session)).command.affectedSopInstanceUid!;
  const fb = await s.nCreate(meta, Uid.BasicFilmBox, {
    '20100500': { vr: 'SQ', Value: [ref(Uid.BasicFilmSession, sid)] },
    ...filmBox,
  });
  expect(fb.command.status, fb.command.errorComment).toBeLessThan(0xc000);
  const boxes = (fb.dataset!['20100510']!.Value as DcmDataset[]).map((i) => String(i['00081155']!.Value![0]));
  const color = meta === Uid.BasicColorPrintManagementMeta;
  for (const [i, img] of images.entries()) {
    if (!img) continue;
    const { extra, ...item } = img as DcmDataset & { extra?: DcmDataset };
    const r = await s.nSet(meta, color ? Uid.BasicColorImageBox : Uid.BasicGrayscaleImageBox, boxes[i]!, {
      '20200010': us(i + 1),
      [color ? '20200111' : '20200110']: { vr: 'SQ', Value: [item] },
      ...(extra as DcmDataset | undefined),
    });
    expect(r.command.status, r.command.errorComment).toBeLessThan(0xc000);
  }
  const notes = ((fb.dataset!['20100520']?.Value ?? []) as DcmDataset[]).map((i) =>
    String(i['00081155']!.Value![0]),
  );
  for (const [i, text] of (o.annotations ?? []).entries()) {
    if (!text) continue;
    const r = await s.nSet(Uid.BasicAnnotationBox, Uid.BasicAnnotationBox, notes[i]!, {
      '20300010': us(i + 1),
      '20300020': { vr: 'LO', Value: [text] },
    });
    expect(r.command.status, r.command.errorComment).toBe(0);
  }
  await s.nAction(meta, Uid.BasicFilmBox, fb.command.affectedSopInstanceUid!);
  await s.release();
}

/** Print one film on the shared Lightbox; resolves with its directory once rendered. */
async function print(
  meta: string,
  filmBox: DcmDataset,
  images: (DcmDataset | undefined)[],
  session: DcmDataset = {},
  o: { called?: string; annotations?: string[] } = {},
) {
  const before = new Set(existsSync(filmsDir()) ? readdirSync(filmsDir()) : []);
  await sendFilm(lb.dicomPort, meta, filmBox, images, session, o);
  let dir = '';
  await expect
    .poll(
      () => {
        const fresh = readdirSync(filmsDir()).filter((d) => !before.has(d) && !d.startsWith('.'));
        dir = fresh[0] ? join(filmsDir(), fresh[0]) : '';
        return dir !== '' && existsSync(join(dir, 'render.json'));
      },
      { timeout: 20_000 },
    )
    .toBe(true);
  // density.png is made on its first request (as GET /api/films/{id}/density.png asks for it).
  const id = basename(dir);
  await expect.poll(() => lb.app.store.films.get(id)?.render, { timeout: 20_000 }).toMatch(/rendered|failed/);
  if (lb.app.store.films.get(id)?.render === 'rendered') await lb.app.densities.ensure(id);
  return { dir, render: JSON.parse(readFileSync(join(dir, 'render.json'), 'utf8')) };
}

async function densityAt(dir: string, x: number, y: number): Promise<number> {
  const { data, info } = await sharp(join(dir, 'density.png'))
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  const px = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  return px[y * info.width + x]!;
}

/** A 12-bit horizontal ramp, black on the left (MONOCHROME2). */
function ramp(w: number, h: number): DcmDataset {
  const item = grayImage(w, h);
  const px = new Uint16Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px[y * w + x] = Math.round((x / (w - 1)) * 4095);
  item['7FE00010'] = { vr: 'OW', Value: [px.buffer] };
  return item;
}

describe('film rendering', () => {
  it('8INX10IN STANDARD\\2,1 at 320 dpi: matrix, border, empty box, image densities and placement', async () => {
    const { dir, render } = await print(
      META,
      {
        '20100010': { vr: 'ST', Value: ['STANDARD\\2,1'] },
        '20100050': cs('8INX10IN'),
        '20100100': cs('BLACK'),
        '20100110': cs('WHITE'),
        '20100120': us(30),
        '20100130': us(300),
      },
      [ramp(64, 64), undefined],
    );
    expect(render).toMatchObject({
      width: 2560,
      height: 3200,
      dpi: 320,
      borderDensity: 320,
      emptyImageDensity: 20,
    });
    const meta = await sharp(join(dir, 'film.png')).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([2560, 3200, 1]);
    const box = render.boxes[0];
    // Optimal fill: 64x64 into a 1280x3200 box -> 1280x1280, centred.
    expect(box.image).toEqual({ x: 0, y: 960, width: 1280, height: 1280 });
    expect(await densityAt(dir, 5, 100)).toBe(320); // border (BLACK = printer max)
    expect(await densityAt(dir, 1920, 1600)).toBe(20); // empty box (WHITE = printer min)
    // Min/Max Density are the image's lightest and darkest values.
    expect(await densityAt(dir, 0, 1600)).toBe(300);
    expect(await densityAt(dir, 1279, 1600)).toBe(30);
    const thumb = await sharp(join(dir, 'thumb.png')).metadata();
    expect(thumb.width).toBe(480);
  });

  it('annotations print in their own band on the border: the image boxes shrink for it, ink opposite the border', async () => {
    const { dir, render } = await print(
      META,
      {
        '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] },
        '20100050': cs('8INX10IN'),
        '20100100': cs('BLACK'),
      },
      [ramp(32, 32)],
      {},
      { annotations: ['', 'HELLO'] },
    );
    // LIGHTBOX's ANNOTATION format: position 2 at the bottom right, in a band of its own.
    expect(render.textArea).toBe('band');
    const a = render.annotations[0]!;
    expect(a).toMatchObject({ position: 2, text: 'HELLO', place: 'bottom-right' });
    const line = Math.round(3200 * 0.02);
    const margin = line / 2;
    expect(render.imageArea).toEqual({ x: 0, y: 0, width: 2560, height: 3200 - line - 2 * margin });
    expect(render.boxes[0].box).toMatchObject({ x: 0, y: 0, width: 2560, height: 3200 - line - 2 * margin });
    expect(a.rect.y).toBe(3200 - margin - line);
    expect(a.rect.x + a.rect.width).toBeLessThanOrEqual(2560 - margin);
    const { data, info } = await sharp(join(dir, 'density.png'))
      .toColourspace('grey16')
      .raw({ depth: 'ushort' })
      .toBuffer({ resolveWithObject: true });
    const px = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
    let ink = 0;
    for (let y = a.rect.y; y < a.rect.y + a.rect.height; y++) {
      for (let x = a.rect.x; x < a.rect.x + a.rect.width; x++) if (px[y * info.width + x]! < 100) ink++;
    }
    expect(ink).toBeGreaterThan(200); // white-ish letters on the black border
    let other = 0;
    for (let y = render.imageArea.height; y < 3200; y++)
      for (let x = 0; x < a.rect.x; x++) if (px[y * info.width + x]! !== 320) other++;
    expect(other).toBe(0); // position 1 has no text: the rest of the band is border
  });

  it('a profile that prints text over the images: the stamp, outlined, and the boxes keep the film', async () => {
    const { dir, render } = await print(
      META,
      { '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] }, '20100050': cs('8INX10IN') },
      [ramp(32, 40)],
      { '20000050': { vr: 'LO', Value: ['STUDY 42'] } },
      { called: 'STAMPER' },
    );
    const record = JSON.parse(readFileSync(join(dir, 'film.json'), 'utf8'));
    expect(render.stamp).toEqual([
      'STUDY 42',
      `${record.printer.printerName} ${record.printedAt.slice(0, 10)}`,
    ]);
    expect(record.printer.aeTitle).toBe('STAMPER');
    expect(render.textArea).toBe('overlay');
    expect(render.boxes[0].box).toMatchObject({ x: 0, y: 0, width: 2560, height: 3200 });
    // 32 x 40 fills the film: the stamp lies on the image, light letters with a dark outline.
    const slot = record.filmBox.text.label.rect;
    const { data, info } = await sharp(join(dir, 'density.png'))
      .toColourspace('grey16')
      .raw({ depth: 'ushort' })
      .toBuffer({ resolveWithObject: true });
    const px = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
    let light = 0;
    let dark = 0;
    for (let y = slot.y; y < slot.y + slot.height; y++)
      for (let x = slot.x; x < slot.x + slot.width; x++) {
        const v = px[y * info.width + x]!;
        if (v <= 40) light++;
        if (v >= 300) dark++;
      }
    expect(light).toBeGreaterThan(100);
    expect(dark).toBeGreaterThan(100);
  });

  it('Smoothing Type selects the kernel as the profile maps it, for CUBIC only', () => {
    const map = { SHARP: 'lanczos3', SMOOTH: 'mitchell' };
    expect(kernelFor('CUBIC', 'SHARP', map)).toBe('lanczos3');
    expect(kernelFor('CUBIC', 'SMOOTH', map)).toBe('mitchell');
    expect(kernelFor('CUBIC', 'OTHER', map)).toBe('cubic');
    expect(kernelFor('REPLICATE', 'SHARP', map)).toBe('nearest');
    expect(kernelFor('BILINEAR', undefined, map)).toBe('linear');
  });

  it('every Magnification Type a profile may accept has its own kernel, none falls back to CUBIC', () => {
    const kernels = MAGNIFICATION_TYPES.map((m) => kernelFor(m, undefined, undefined));
    expect(Object.fromEntries(MAGNIFICATION_TYPES.map((m, i) => [m, kernels[i]]))).toEqual({
      REPLICATE: 'nearest',
      BILINEAR: 'linear',
      CUBIC: 'cubic',
      NONE: 'nearest',
    });
  });

  it('Requested Image Size gives true size within one printer pixel', async () => {
    const img = Object.assign(ramp(100, 50), { extra: { '20200030': { vr: 'DS', Value: [50.8] } } });
    const { render } = await print(
      META,
      { '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] }, '20100050': cs('8INX10IN') },
      [img],
    );
    // 50.8 mm = 2 in = 640 pixels at 320 dpi; height follows the 2:1 aspect.
    expect(Math.abs(render.boxes[0].image.width - 640)).toBeLessThanOrEqual(1);
    expect(Math.abs(render.boxes[0].image.height - 320)).toBeLessThanOrEqual(1);
  });

  it('color image boxes render in color', async () => {
    const w = 8;
    const h = 8;
    const planes = Buffer.alloc(w * h * 3);
    planes.fill(200, 0, w * h); // R plane
    planes.fill(30, w * h, 2 * w * h); // G plane
    planes.fill(90, 2 * w * h); // B plane
    const item: DcmDataset = {
      '00280002': us(3),
      '00280004': cs('RGB'),
      '00280006': us(1),
      '00280010': us(h),
      '00280011': us(w),
      '00280100': us(8),
      '00280101': us(8),
      '00280102': us(7),
      '00280103': us(0),
      '7FE00010': {
        vr: 'OB',
        Value: [planes.buffer.slice(planes.byteOffset, planes.byteOffset + planes.length)],
      },
    };
    const { dir, render } = await print(
      Uid.BasicColorPrintManagementMeta,
      { '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] }, '20100050': cs('8INX10IN') },
      [item],
    );
    expect(render.color).toBe(true);
    const { data, info } = await sharp(join(dir, 'film.png')).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    const c = render.boxes[0].image;
    const at = ((c.y + c.height / 2) * info.width + c.x + c.width / 2) * 3;
    expect([data[at], data[at + 1], data[at + 2]]).toEqual([200, 30, 90]);
  });
});

describe('a film that cannot be rendered', () => {
  it('is marked failed in its sidecar and the log; the printer goes on printing', async () => {
    const { dir } = await print(
      META,
      { '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] }, '20100050': cs('8INX10IN') },
      [ramp(16, 16)],
    );
    // The image's pixels cut short on disk: rendering this film must fail, and only this film.
    const raw = join(dir, 'box-001.raw');
    writeFileSync(raw, readFileSync(raw).subarray(0, 100));
    const mark = lb.logs.length;
    expect(await lb.app.renderer.render(dir)).toMatchObject({ error: expect.stringMatching(/\S/) });
    const sidecar = JSON.parse(readFileSync(join(dir, 'render.json'), 'utf8'));
    expect(sidecar).toMatchObject({ format: 'lightbox-render/1', failed: true });
    expect(sidecar.error).toMatch(/\S/);
    expect(lb.logs.slice(mark).some((l) => l.msg === 'film rendering failed' && l.film === dir)).toBe(true);
    // Through the render queue, the index learns it too. (The queue renders only pending films,
    // claimed once in a pool: this one was rendered before its pixels were cut.)
    lb.app.store.films.setRender(basename(dir), 'pending');
    lb.app.rendering.add([basename(dir)]);
    await expect.poll(() => lb.app.store.films.get(basename(dir))?.render).toBe('failed');
    expect(lb.app.store.films.get(basename(dir))?.error).toMatch(/\S/);
    // Next film renders as usual.
    const next = await print(
      META,
      { '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] }, '20100050': cs('8INX10IN') },
      [ramp(16, 16)],
    );
    expect(next.render.failed).toBeUndefined();
  });
});

describe('--no-render', () => {
  it('keeps the film (film.json, raw pixels) but renders nothing', async () => {
    const quiet = await startLightbox({ logLevel: 'warn', noRender: true });
    try {
      await sendFilm(
        quiet.dicomPort,
        META,
        { '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] }, '20100050': cs('8INX10IN') },
        [ramp(16, 16)],
      );
      const films = join(quiet.app.printers[0]!.runtime.dataDir, 'films');
      await expect
        .poll(() => (existsSync(films) ? readdirSync(films).filter((d) => !d.startsWith('.')) : []).length)
        .toBe(1);
      const dir = join(films, readdirSync(films).find((d) => !d.startsWith('.'))!);
      await new Promise((r) => setTimeout(r, 300));
      expect(existsSync(join(dir, 'film.json'))).toBe(true);
      expect(existsSync(join(dir, 'box-001.raw'))).toBe(true);
      expect(existsSync(join(dir, 'render.json'))).toBe(false);
    } finally {
      await quiet.stop();
    }
  });
});

describe('films on disk', () => {
  it('are found again after a restart, rendered', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const data = mkdtempSync(join(tmpdir(), 'lightbox-restart-'));
    try {
      const first = await startLightbox({ dataDir: data, logLevel: 'silent' });
      await sendFilm(
        first.dicomPort,
        META,
        { '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] }, '20100050': cs('8INX10IN') },
        [ramp(16, 16)],
      );
      await expect
        .poll(() => first.app.store.films.list({}, { limit: 10, order: 'asc' }).items.map((f) => f.render), {
          timeout: 15_000,
        })
        .toEqual(['rendered']);
      await first.app.stop();
      const second = await startLightbox({ dataDir: data, logLevel: 'silent' });
      try {
        const films = second.app.store.films.list({}, { limit: 10, order: 'asc' }).items;
        expect(films).toHaveLength(1);
        expect(films[0]).toMatchObject({
          printer: 'LIGHTBOX',
          callingAeTitle: 'TESTSCU',
          imageBoxes: 1,
          render: 'rendered',
        });
      } finally {
        await second.app.stop();
      }
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
