/** Lightbox as the Print SCP of DCMTK's real print SCU (dcmpsprt + dcmprscu), end to end. */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dcmPrint,
  exchangeSummary,
  generateImages,
  generateMammo,
  type PrintOptions,
  type PrintResult,
  type TestImages,
} from '../support/dcmprint.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

let lb: TestLightbox;
let images: TestImages;
let mammo: string;
let work: string;
const imageDir = join(tmpdir(), 'lightbox-test-images-v1');

/** Extra printers next to the embedded LIGHTBOX (which stays printers[0]). */
const PROFILES: Record<string, string> = {
  'smallfilm.yaml': [
    'aeTitle: SMALLFILM',
    'name: One film size, one layout',
    'filmSizes: [{ id: 8INX10IN }]',
    "displayFormats: ['STANDARD\\1,1']",
  ].join('\n'),
  'implicit.yaml': [
    'aeTitle: IMPLICITONLY',
    'name: Implicit VR Little Endian only',
    'transferSyntaxes: [implicit-vr-little-endian]',
  ].join('\n'),
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-dcmprint-'));
  const printersDir = join(work, 'printers');
  mkdirSync(printersDir);
  for (const [f, text] of Object.entries(PROFILES)) writeFileSync(join(printersDir, f), `${text}\n`);
  [images, mammo] = await Promise.all([generateImages(imageDir), generateMammo(imageDir)]);
  lb = await startLightbox({ logLevel: 'info', printersDir });
}, 60_000);
afterAll(async () => {
  await lb?.stop();
  // LIGHTBOX_KEEP_TEST_WORK=1 keeps every job's dcmpstat.cfg and dcmprscu.log for inspection.
  if (work && !process.env.LIGHTBOX_KEEP_TEST_WORK) rmSync(work, { recursive: true, force: true });
});

let jobs = 0;
async function print(o: Partial<PrintOptions>) {
  return dcmPrint(
    { port: lb.dicomPort, calledAe: 'LIGHTBOX', images: images.ct, columns: 1, rows: 1, ...o },
    join(work, `job${++jobs}`),
  );
}

function filmsRoot(): string {
  return join(lb.app.printers[0]!.runtime.dataDir, 'films');
}

function filmsDir(): string[] {
  const dir = filmsRoot();
  return existsSync(dir) ? readdirSync(dir).filter((d) => !d.startsWith('.')) : [];
}

/** A spooled film.json, as far as these tests read it. */
interface Film {
  printer: { aeTitle: string };
  job: { copies: number; priority: string };
  filmSession: { attributes: Record<string, { vr: string; Value?: unknown[] }> };
  filmBox: {
    attributes: Record<string, { vr: string; Value?: unknown[] }>;
    matrix: { width: number; height: number; dpi: number };
    presentationLutUid?: string;
    statuses: number[];
  };
  imageBoxes: {
    position: number;
    statuses: number[];
    fit?: string;
    rect: { width: number; height: number };
    attributes: Record<string, { vr: string; Value?: unknown[] }>;
    image?: { rows: number; columns: number; bitsStored: number; photometricInterpretation: string };
  }[];
  annotations: { position: number; text: string }[];
  presentationLut?: { shape?: string };
}

/** Wait for `count` films spooled after the `before` snapshot of filmsDir(); in name order. */
async function newFilms(before: string[], count: number): Promise<Film[]> {
  const known = new Set(before);
  const fresh = () => filmsDir().filter((d) => !known.has(d));
  await expect.poll(() => fresh().length, { timeout: 15_000 }).toBe(count);
  return fresh()
    .sort()
    .map((d) => JSON.parse(readFileSync(join(filmsRoot(), d, 'film.json'), 'utf8')) as Film);
}

interface Render {
  width: number;
  height: number;
  failed?: boolean;
  boxes: { position: number; box: Rect }[];
  textArea: 'band' | 'overlay';
  imageArea: Rect;
  borderDensity: number;
  annotations: { position: number; text: string; place?: string; rect: Rect }[];
}
interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
const overlaps = (a: Rect, b: Rect) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The render.json of the one film spooled after `before`, once the renderer has written it. */
async function renderOf(before: string[]): Promise<{ dir: string; render: Render }> {
  const dir = join(filmsRoot(), filmsDir().filter((d) => !before.includes(d))[0]!);
  await expect.poll(() => existsSync(join(dir, 'render.json')), { timeout: 30_000 }).toBe(true);
  return { dir, render: JSON.parse(readFileSync(join(dir, 'render.json'), 'utf8')) as Render };
}

/**
 * The value of an attribute in a film.json data set: the first value, or for ST/LT/UT the whole
 * text (dcmjs splits those at backslashes too, so Image Display Format is stored as
 * ["STANDARD", "2,2"]).
 */
function val(ds: Record<string, { vr: string; Value?: unknown[] }>, tag: string): unknown {
  const e = ds[tag];
  if (e && ['ST', 'LT', 'UT'].includes(e.vr)) return e.Value?.join('\\');
  return e?.Value?.[0];
}

const ok = (request: string, sopClass: string) => `${request} ${sopClass} 0x0000`;

/** The full successful exchange for one film of `boxes` images. */
function success(boxes: number, o: { plut?: boolean; annotation?: boolean; sessionPrint?: boolean } = {}) {
  const plut = o.plut ?? true;
  return [
    ok('N-GET', 'PrinterSOPClass'),
    ...(plut ? [ok('N-CREATE', 'PresentationLUTSOPClass')] : []),
    ok('N-CREATE', 'BasicFilmSessionSOPClass'),
    ok('N-CREATE', 'BasicFilmBoxSOPClass'),
    ...Array<string>(boxes).fill(ok('N-SET', 'BasicGrayscaleImageBoxSOPClass')),
    ...(o.annotation ? [ok('N-SET', 'BasicAnnotationBoxSOPClass')] : []),
    o.sessionPrint ? ok('N-ACTION', 'BasicFilmSessionSOPClass') : ok('N-ACTION', 'BasicFilmBoxSOPClass'),
    ok('N-DELETE', 'BasicFilmBoxSOPClass'),
    ok('N-DELETE', 'BasicFilmSessionSOPClass'),
    ...(plut ? [ok('N-DELETE', 'PresentationLUTSOPClass')] : []),
  ];
}

/** Sanity of a dcmprscu run that reached the SCP: accepted, not aborted, exit 0. */
function expectClean(r: PrintResult, associations = 1) {
  expect(r, r.log).toMatchObject({
    associations,
    accepted: associations,
    rejected: false,
    aborted: false,
    exitCode: 0,
    timedOut: false,
  });
}

/** Lightbox's log records of DIMSE requests answered with an Error Comment, since `mark`. */
function errorComments(mark: number): string[] {
  return lb.logs
    .slice(mark)
    .filter((l) => typeof l.errorComment === 'string')
    .map((l) => `${l.type} ${l.sopClass} ${l.status}: ${l.errorComment}`);
}

describe('DCMTK dcmprscu -> Lightbox', () => {
  it('W1: 20 CT on 14INX17IN STANDARD\\4,5, every status 0x0000, the film spooled', async () => {
    const before = filmsDir();
    const r = await print({ columns: 4, rows: 5, filmSize: '14INX17IN', label: 'W1' });
    expect(exchangeSummary(r), r.log).toEqual(success(20));
    expectClean(r);
    const [film] = await newFilms(before, 1);
    expect(film!.filmBox.matrix).toMatchObject({ width: 4480, height: 5440, dpi: 320 });
    expect(film!.imageBoxes).toHaveLength(20);
    expect(film!.imageBoxes[0]!.image).toMatchObject({ rows: 512, columns: 512, bitsStored: 12 });
    // Rendered at the printer's matrix, boxes in STANDARD\4,5 order: columns first, from top left.
    // DCMTK proposes the Annotation Box SOP class, so the film box has LIGHTBOX's two annotation
    // boxes and their bottom band (a 109-pixel line and two 55-pixel margins): the five rows of
    // boxes share the other 5221 rows.
    const { dir, render } = await renderOf(before);
    expect(render.failed).toBeUndefined();
    expect(await sharp(join(dir, 'film.png')).metadata()).toMatchObject({ width: 4480, height: 5440 });
    expect(render.imageArea).toEqual({ x: 0, y: 0, width: 4480, height: 5440 - 219 });
    const edges = [0, 1044, 2088, 3133, 4177, 5221];
    expect(render.boxes.map((b) => [b.position, b.box.x, b.box.y, b.box.height])).toEqual(
      Array.from({ length: 20 }, (_, i) => {
        const row = Math.floor(i / 4);
        return [i + 1, (i % 4) * 1120, edges[row], edges[row + 1]! - edges[row]!];
      }),
    );
    expect(render.boxes.every((b) => b.box.width === 1120)).toBe(true);
  }, 60_000);

  it('W2: one 4096x5120 12-bit mammogram on 14INX17IN STANDARD\\1,1: 40 MB image box, fits', async () => {
    const before = filmsDir();
    const mark = lb.logs.length;
    const r = await print({ images: [mammo], filmSize: '14INX17IN', medium: 'MAMMO CLEAR FILM' });
    expect(exchangeSummary(r), r.log).toEqual(success(1));
    expectClean(r);
    // The image box N-SET carried the whole 12-bit matrix: 4096 * 5120 * 2 bytes and a little more.
    const imageBoxSet = lb.logs
      .slice(mark)
      .find((l) => l.type === 'N-SET-RQ' && l.sopClass === 'BasicGrayscaleImageBox');
    expect(imageBoxSet, JSON.stringify(lb.logs.slice(mark))).toBeDefined();
    const bytes = imageBoxSet!.datasetBytes as number;
    expect(bytes).toBeGreaterThanOrEqual(4096 * 5120 * 2);
    expect(bytes).toBeLessThan(4096 * 5120 * 2 + 4096);
    const [film] = await newFilms(before, 1);
    expect(film!.filmBox.matrix).toMatchObject({ width: 4480, height: 5440, dpi: 320 });
    expect(film!.imageBoxes).toHaveLength(1);
    const box = film!.imageBoxes[0]!;
    expect(box.image).toMatchObject({ columns: 4096, rows: 5120, bitsStored: 12 });
    // 4096x5120 inside the 4480x5221 box (the film less the annotation band): no decimation, no crop.
    expect(box.rect).toMatchObject({ width: 4480, height: 5440 - 219 });
    expect(box.fit).toBe('fits');
    expect(val(film!.filmSession.attributes, '20000030')).toBe('MAMMO CLEAR FILM');
    const { dir, render } = await renderOf(before);
    expect(render.failed).toBeUndefined();
    expect(render.boxes.map((b) => b.box)).toEqual([{ position: 1, x: 0, y: 0, width: 4480, height: 5221 }]);
    // density.png is made on its first request, over the API.
    const id = basename(dir);
    await expect.poll(() => lb.app.store.films.get(id)?.render, { timeout: 30_000 }).toBe('rendered');
    expect(existsSync(join(dir, 'density.png'))).toBe(false);
    const density = await fetch(`http://127.0.0.1:${lb.httpPort}/api/films/${id}/density.png`);
    expect(density.status).toBe(200);
    expect(await sharp(Buffer.from(await density.arrayBuffer())).metadata()).toMatchObject({
      width: 4480,
      height: 5440,
      depth: 'ushort',
    });
  }, 60_000);

  it('W3: ten films of 4 CT on STANDARD\\2,2: ten associations, all 0x0000, ten films spooled', async () => {
    const before = filmsDir();
    const r = await print({ columns: 2, rows: 2, films: 10, filmSize: '14INX17IN' });
    expectClean(r, 10);
    expect(exchangeSummary(r), r.log).toEqual(Array.from({ length: 10 }, () => success(4)).flat());
    expect(r.exchanges.map((x) => x.association)).toEqual(
      Array.from({ length: 10 }, (_, i) => Array<number>(success(4).length).fill(i + 1)).flat(),
    );
    const films = await newFilms(before, 10);
    for (const f of films) {
      expect(f.imageBoxes).toHaveLength(4);
      expect(f.imageBoxes.every((b) => b.image?.rows === 512 && b.fit === 'fits')).toBe(true);
      expect(val(f.filmBox.attributes, '20100010')).toBe('STANDARD\\2,2');
    }
  }, 60_000);

  it('CR: a 2048x2500 MONOCHROME1 image sent as MONOCHROME1', async () => {
    const before = filmsDir();
    const r = await print({ images: [images.cr], filmSize: '14INX17IN', monochrome1: true });
    expect(exchangeSummary(r), r.log).toEqual(success(1));
    expectClean(r);
    const [film] = await newFilms(before, 1);
    expect(film!.imageBoxes[0]!.image).toMatchObject({
      photometricInterpretation: 'MONOCHROME1',
      columns: 2048,
      rows: 2500,
      bitsStored: 12,
    });
    expect(film!.imageBoxes[0]!.fit).toBe('fits');
  });

  it('8-bit: a Secondary Capture to an SCU configured without 12-bit support', async () => {
    const before = filmsDir();
    const r = await print({ images: [images.sc8], filmSize: '8INX10IN', bits12: false });
    expect(exchangeSummary(r), r.log).toEqual(success(1));
    expectClean(r);
    expect(r.log).toMatch(/\(0028,0101\) US 8 /);
    const [film] = await newFilms(before, 1);
    expect(film!.imageBoxes[0]!.image).toMatchObject({ columns: 256, rows: 256, bitsStored: 8 });
  });

  it('film session, film box and image box options, all echoed in film.json', async () => {
    const before = filmsDir();
    const mark = lb.logs.length;
    const r = await print({
      images: images.ct.slice(0, 2),
      columns: 2,
      rows: 1,
      filmSize: '14INX14IN',
      orientation: 'landscape',
      magnification: 'CUBIC',
      smoothing: 'SHARP',
      minDensity: 30,
      maxDensity: 290,
      borderDensity: '150',
      emptyImageDensity: 'WHITE',
      trim: true,
      polarity: 'REVERSE',
      imageMagnification: 'BILINEAR',
      copies: 3,
      medium: 'CLEAR FILM',
      destination: 'MAGAZINE',
      priority: 'LOW',
      label: 'LIGHTBOX OPTIONS',
      owner: 'DR WHO',
      resolution: 'HIGH',
      configInfo: 'GAMMA 2.2',
    });
    expect(exchangeSummary(r), r.log).toEqual(success(2));
    expectClean(r);
    expect(errorComments(mark)).toEqual([]);
    const [film] = await newFilms(before, 1);
    const s = film!.filmSession.attributes;
    expect({
      copies: val(s, '20000010'),
      priority: val(s, '20000020'),
      medium: val(s, '20000030'),
      destination: val(s, '20000040'),
      label: val(s, '20000050'),
      owner: val(s, '21000160'),
    }).toEqual({
      copies: 3,
      priority: 'LOW',
      medium: 'CLEAR FILM',
      destination: 'MAGAZINE',
      label: 'LIGHTBOX OPTIONS',
      owner: 'DR WHO',
    });
    expect(film!.job).toMatchObject({ copies: 3, priority: 'LOW' });
    const fb = film!.filmBox.attributes;
    expect({
      format: val(fb, '20100010'),
      orientation: val(fb, '20100040'),
      size: val(fb, '20100050'),
      magnification: val(fb, '20100060'),
      smoothing: val(fb, '20100080'),
      border: val(fb, '20100100'),
      empty: val(fb, '20100110'),
      min: val(fb, '20100120'),
      max: val(fb, '20100130'),
      trim: val(fb, '20100140'),
      config: val(fb, '20100150'),
      resolution: val(fb, '20200050'),
    }).toEqual({
      format: 'STANDARD\\2,1',
      orientation: 'LANDSCAPE',
      size: '14INX14IN',
      magnification: 'CUBIC',
      smoothing: 'SHARP',
      border: '150',
      empty: 'WHITE',
      min: 30,
      max: 290,
      trim: 'YES',
      config: 'GAMMA 2.2',
      resolution: 'HIGH',
    });
    // 14 in at 640 dpi.
    expect(film!.filmBox.matrix).toMatchObject({ width: 8960, height: 8960, dpi: 640 });
    for (const b of film!.imageBoxes) {
      expect(val(b.attributes, '20200020')).toBe('REVERSE');
      expect(val(b.attributes, '20100060')).toBe('BILINEAR');
    }
  });

  it.each(['REPLICATE', 'BILINEAR', 'CUBIC', 'NONE'])('magnification %s on the film box', async (m) => {
    const before = filmsDir();
    const r = await print({ images: [images.ct[3]!], filmSize: '8INX10IN', magnification: m });
    expect(exchangeSummary(r), r.log).toEqual(success(1));
    const [film] = await newFilms(before, 1);
    expect(val(film!.filmBox.attributes, '20100060')).toBe(m);
  });

  it('Max Density above the printer range: Film Box N-CREATE 0xB605, clamped to 320', async () => {
    const before = filmsDir();
    const mark = lb.logs.length;
    const r = await print({ images: [images.ct[4]!], filmSize: '8INX10IN', maxDensity: 400 });
    expect(r.log).toMatch(/\(2010,0130\) US 400/);
    expect(exchangeSummary(r), r.log).toEqual(
      success(1).map((l) =>
        l.startsWith('N-CREATE BasicFilmBox') ? 'N-CREATE BasicFilmBoxSOPClass 0xb605' : l,
      ),
    );
    expect(errorComments(mark)).toEqual([expect.stringMatching(/Max Density 400 lowered to 320/)]);
    // The N-CREATE response carries the clamped value back to DCMTK.
    expect(r.log).toMatch(/N-CREATE RSP[\s\S]*\(2010,0130\) US 320 /);
    const [film] = await newFilms(before, 1);
    expect(val(film!.filmBox.attributes, '20100130')).toBe(320);
    // film.json keeps the statuses the SCU got, codes and all.
    expect(film!.filmBox.statuses).toEqual([0xb605]);
    expect(film!.imageBoxes[0]!.statuses).toEqual([0]);
  });

  it('SMALLFILM: a film size it lacks is refused with 0x0106, its own size prints', async () => {
    const mark = lb.logs.length;
    const big = await print({ calledAe: 'SMALLFILM', images: [images.sc8], filmSize: '14INX17IN' });
    expect(exchangeSummary(big), big.log).toEqual([
      ok('N-GET', 'PrinterSOPClass'),
      ok('N-CREATE', 'PresentationLUTSOPClass'),
      ok('N-CREATE', 'BasicFilmSessionSOPClass'),
      'N-CREATE BasicFilmBoxSOPClass 0x0106',
    ]);
    expect(big.exchanges.at(-1)?.statusText).toBe('Invalid attribute value');
    expect(errorComments(mark)).toEqual([
      expect.stringMatching(/FilmSizeID .*"14INX17IN" is not one of 8INX10IN/),
    ]);

    const before = filmsDir();
    const fits = await print({ calledAe: 'SMALLFILM', images: [images.sc8], filmSize: '8INX10IN' });
    expect(exchangeSummary(fits), fits.log).toEqual(success(1));
    const [film] = await newFilms(before, 1);
    expect(film!.printer.aeTitle).toBe('SMALLFILM');
  });

  it('SMALLFILM: a display format it lacks (STANDARD\\3,3) is refused with 0x0106', async () => {
    const mark = lb.logs.length;
    const r = await print({ calledAe: 'SMALLFILM', columns: 3, rows: 3, filmSize: '8INX10IN' });
    expect(exchangeSummary(r), r.log).toEqual([
      ok('N-GET', 'PrinterSOPClass'),
      ok('N-CREATE', 'PresentationLUTSOPClass'),
      ok('N-CREATE', 'BasicFilmSessionSOPClass'),
      'N-CREATE BasicFilmBoxSOPClass 0x0106',
    ]);
    expect(errorComments(mark)).toEqual([
      // Error Comment is LO: at most 64 characters, so the end of the sentence is cut.
      expect.stringMatching(/ImageDisplayFormat \(2010,0010\): STANDARD\\3,3 is not a display/),
    ]);
  });

  it('annotation: the Annotation Box N-SET succeeds and the text is on the film', async () => {
    const before = filmsDir();
    const r = await print({ images: [images.ct[5]!], annotation: 'HELLO', annotationSop: true });
    expect(exchangeSummary(r), r.log).toEqual(success(1, { annotation: true }));
    const [film] = await newFilms(before, 1);
    expect(film!.annotations).toEqual([{ position: 1, text: 'HELLO' }]);
    expect(val(film!.filmBox.attributes, '20100030')).toBe('ANNOTATION');
    // Rendered where the embedded profile's layout puts ANNOTATION position 1: bottom left.
    const { render } = await renderOf(before);
    expect(render.annotations).toEqual([
      expect.objectContaining({ position: 1, text: 'HELLO', place: 'bottom-left' }),
    ]);
    // In the bottom band, half a line (55 pixels) off the film edge.
    expect(render.annotations[0]!.rect.y + render.annotations[0]!.rect.height).toBe(render.height - 55);
  });

  it('W1 with an annotation on REVERSE images: the text in its band, off every image box, readable on film.png', async () => {
    const before = filmsDir();
    const r = await print({
      columns: 4,
      rows: 5,
      filmSize: '14INX17IN',
      label: 'W1',
      annotation: 'hello',
      polarity: 'REVERSE',
    });
    expect(exchangeSummary(r), r.log).toEqual(success(20, { annotation: true }));
    const [film] = await newFilms(before, 1);
    expect(film!.annotations).toEqual([{ position: 1, text: 'hello' }]);
    expect(val(film!.imageBoxes[0]!.attributes, '20200020')).toBe('REVERSE');
    const { dir, render } = await renderOf(before);
    expect(render.textArea).toBe('band');
    const a = render.annotations[0]!;
    expect(a).toMatchObject({ position: 1, text: 'hello', place: 'bottom-left' });
    // Inside the film, off its edges, outside every image box.
    expect(a.rect.x > 0 && a.rect.y > 0).toBe(true);
    expect(a.rect.x + a.rect.width < render.width && a.rect.y + a.rect.height < render.height).toBe(true);
    for (const b of render.boxes) expect(overlaps(a.rect, b.box), `box ${b.position}`).toBe(false);
    expect(overlaps(a.rect, render.imageArea)).toBe(false);
    // What a viewer sees: the band's background is the border's grey, the letters far from it.
    const grey = (left: number, top: number, width: number, height: number) =>
      sharp(join(dir, 'film.png'))
        .extract({ left, top, width, height })
        .toColourspace('b-w')
        .raw()
        .toBuffer();
    const data = await grey(a.rect.x, a.rect.y, a.rect.width, a.rect.height);
    expect(data.length).toBe(a.rect.width * a.rect.height);
    const border = (await grey(2, render.height - 3, 1, 1))[0]!;
    const background = data.filter((v) => v === border).length;
    const letters = data.filter((v) => Math.abs(v - border) >= 128).length;
    expect(background).toBeGreaterThan(data.length / 2);
    expect(letters, `letters 128+ grey levels from the border's ${border}`).toBeGreaterThan(500);
  }, 60_000);

  it('Presentation LUT: IDENTITY is created and referenced by the film box', async () => {
    const before = filmsDir();
    const r = await print({ images: [images.ct[6]!], plut: 'identity' });
    expect(exchangeSummary(r), r.log).toEqual(success(1));
    expect(r.log).toMatch(/\(2050,0020\) CS \[IDENTITY\]/);
    const [film] = await newFilms(before, 1);
    expect(film!.presentationLut).toEqual({ shape: 'IDENTITY' });
    expect(film!.filmBox.presentationLutUid).toMatch(/^2\.25\./);
  });

  it("Presentation LUT: plut 'none' still gets DCMTK's default IDENTITY P-LUT", async () => {
    // dcmpsprt --default-plut leaves the P-LUT to the presentation state, whose default is
    // IDENTITY; dcmprscu creates it all the same while the printer supports the P-LUT SOP class.
    const before = filmsDir();
    const r = await print({ images: [images.ct[6]!], plut: 'none' });
    expect(exchangeSummary(r), r.log).toEqual(success(1));
    expect(r.log).toMatch(/\(2050,0020\) CS \[IDENTITY\]/);
    const [film] = await newFilms(before, 1);
    expect(film!.presentationLut).toEqual({ shape: 'IDENTITY' });
  });

  it('Presentation LUT SOP class not proposed: no P-LUT N-CREATE, still all 0x0000', async () => {
    const before = filmsDir();
    const r = await print({ images: [images.ct[6]!], plut: 'none', presentationLutSop: false });
    expect(exchangeSummary(r), r.log).toEqual(success(1, { plut: false }));
    expectClean(r);
    expect(r.log).not.toMatch(/\(2050,0500\)/);
    const [film] = await newFilms(before, 1);
    expect(film!.presentationLut).toBeUndefined();
    expect(film!.filmBox.presentationLutUid).toBeUndefined();
    expect(film!.imageBoxes[0]!.image).toMatchObject({ rows: 512, columns: 512 });
  });

  it('session-level print: N-ACTION on the Film Session', async () => {
    const before = filmsDir();
    const r = await print({ images: images.ct.slice(7, 11), columns: 2, rows: 2, sessionPrint: true });
    expect(exchangeSummary(r), r.log).toEqual(success(4, { sessionPrint: true }));
    expectClean(r);
    const [film] = await newFilms(before, 1);
    expect(film!.imageBoxes.filter((b) => b.image)).toHaveLength(4);
  });

  it('Implicit VR Little Endian only, to LIGHTBOX and to an implicit-only printer', async () => {
    const before = filmsDir();
    const mark = lb.logs.length;
    // DCMTK proposing only Implicit VR Little Endian.
    const a = await print({ images: [images.ct[11]!], implicitOnly: true });
    expect(exchangeSummary(a), a.log).toEqual(success(1));
    expectClean(a);
    // DCMTK proposes both (it always offers Implicit too); the printer accepts only Implicit.
    const b = await print({ calledAe: 'IMPLICITONLY', images: [images.ct[12]!] });
    expect(exchangeSummary(b), b.log).toEqual(success(1));
    expectClean(b);
    const accepted = lb.logs.slice(mark).filter((l) => l.msg === 'association accepted');
    expect(accepted.map((l) => l.called)).toEqual(['LIGHTBOX', 'IMPLICITONLY']);
    for (const l of accepted) {
      // "<id>:<abstract syntax>:<accepted transfer syntax>", one per presentation context.
      expect(l.contexts).toEqual([
        '1:BasicGrayscalePrintManagementMeta:ImplicitVrLittleEndian',
        '3:PresentationLut:ImplicitVrLittleEndian',
        '5:BasicAnnotationBox:ImplicitVrLittleEndian',
      ]);
    }
    // What DCMTK received was Implicit VR too.
    for (const r of [a, b]) {
      const incoming = [...r.log.matchAll(/INCOMING DIMSE MESSAGE[\s\S]*?END DIMSE MESSAGE/g)].map(
        (m) => m[0],
      );
      const syntaxes = incoming.flatMap((m) =>
        [...m.matchAll(/# Used TransferSyntax: (.*)/g)].map((x) => x[1]),
      );
      expect(syntaxes.length).toBeGreaterThan(0);
      expect(new Set(syntaxes)).toEqual(new Set(['Little Endian Implicit']));
    }
    const films = await newFilms(before, 2);
    expect(films.map((f) => f.printer.aeTitle).sort()).toEqual(['IMPLICITONLY', 'LIGHTBOX']);
  });

  it('Lightbox logged no warning or error of its own during all of this', () => {
    const bad = lb.logs.filter((l) => (l.level as number) >= 40);
    expect(bad).toEqual([]);
  });
});
