/**
 * A printed film, rendered as the printer would expose it (docs/spec/rendering.md): the film's pixel matrix
 * filled with densities (border, empty boxes, each image through its density table and scaled into
 * its box with the magnification kernel), then written as
 *   film.png          what a viewer sees on a light box (8-bit grey, or sRGB with color boxes),
 *   density.png       16-bit grey, hundredths of OD, for QA tools,
 *   thumb.png         a small preview,
 *   render.json       geometry and decisions per box.
 * Every file is written under a temporary name and renamed.
 */
import { open, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { Tag } from '../dicom/tags.js';
import type { FilmRecord } from '../print/spool.js';
import { num, str } from '../print/values.js';
import type { FilmPlace, MagnificationType } from '../profiles/profile-schema.js';
import type { TextLayout } from '../profiles/text-layout.js';
import { DEFAULT_ILLUMINATION, DEFAULT_REFLECTED_AMBIENT } from '../profiles/viewing.js';
import { boxShrink, shrinkFactor } from './box-shrink.js';
import { BufferPool } from './buffer-pool.js';
import { drawTexts, inkFor, scaled } from './film-text.js';
import { densityLut } from './grayscale.js';
import { type Viewing, viewTable } from './gsdf.js';
import type { ImageRegion } from './image-region.js';
import { type MagnifyJob, runMagnifyJob } from './magnify-job.js';
import { MagnifyThread } from './magnify-thread.js';
import { writeAtomic } from './write-atomic.js';

// sharp runs libvips on one thread per operation on glibc Linux (its guard against malloc
// fragmentation); a film's big resize and encodes take twice as long that way. Rendering is
// already off the DICOM event loop and one film at a time, so let libvips use the cores.
sharp.concurrency(Math.min(4, availableParallelism()));

type Kernel = 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3';
/**
 * Magnification Type -> resampling kernel (REPLICATE: pixel replication). Every type a profile
 * may accept has one (the schema allows no other), so no film prints with a kernel it did not ask for.
 */
const KERNELS: Record<MagnificationType, Kernel> = {
  REPLICATE: 'nearest',
  BILINEAR: 'linear',
  CUBIC: 'cubic',
  NONE: 'nearest',
};
const SMOOTHING_KERNELS = new Set<string>(['cubic', 'mitchell', 'lanczos2', 'lanczos3']);
/**
 * How sharp (libvips) enlarges with a kernel: its nearest and bilinear interpolators, and its
 * Catmull-Rom for the whole cubic family (whichever of them is asked for); the film's own
 * enlargements do the same (magnify-job.ts).
 */
const ENLARGER: Record<Kernel, MagnifyJob['kernel']> = {
  nearest: 'nearest',
  linear: 'linear',
  cubic: 'cubic',
  mitchell: 'cubic',
  lanczos2: 'cubic',
  lanczos3: 'cubic',
};

/** The kernel: Magnification Type's, refined by Smoothing Type as the printer maps it (CUBIC only). */
export function kernelFor(
  magnification: string,
  smoothing: string | undefined,
  map: Record<string, string> | undefined,
): Kernel {
  // Only films spooled before a profile was tightened can name another type.
  const base = KERNELS[magnification as MagnificationType] ?? 'cubic';
  if (base !== 'cubic' || !smoothing) return base;
  const k = map?.[smoothing];
  return k && SMOOTHING_KERNELS.has(k) ? (k as Kernel) : base;
}
const THUMB_WIDTH = 480;

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface BoxRender {
  position: number;
  box: Rect;
  /** Where the image landed, in film pixels (absent for an empty box). */
  image?: Rect;
  scale?: number;
  fit?: string;
  magnification?: string;
  minDensity?: number;
  maxDensity?: number;
  statuses: number[];
}

export interface RenderRecord {
  format: 'lightbox-render/1';
  width: number;
  height: number;
  dpi: number;
  borderDensity: number;
  emptyImageDensity: number;
  viewing: Viewing;
  boxes: BoxRender[];
  color: boolean;
  /** Where the text prints: in bands of its own (the image area shrunk for them) or over the images. */
  textArea: TextLayout['area'];
  /** The part of the film the image boxes share. */
  imageArea: Rect;
  /** Where each annotation's text was drawn, in film pixels. */
  annotations: { position: number; text: string; rect: Rect; place?: FilmPlace }[];
  /** The printer's stamp texts, when its profile stamps films. */
  stamp: string[];
  /** Where each stamp text was drawn, in film pixels (absent in renders before it was recorded). */
  stampRects?: { text: string; rect: Rect }[];
  ms: number;
}

/** BLACK/WHITE/hundredths -> hundredths of OD, against the printer's range (docs/spec/open-questions.md#border-density). */
function densityTerm(
  term: string | undefined,
  range: { min: number; max: number },
  fallback: number,
): number {
  if (term === 'BLACK') return range.max;
  if (term === 'WHITE') return range.min;
  const v = Number(term);
  return Number.isFinite(v) ? Math.min(range.max, Math.max(range.min, v)) : fallback;
}

/** Where an image of w x h goes in its box: optimal fill, true size, 1:1, crop or decimate. */
function placement(
  box: Rect,
  w: number,
  h: number,
  o: { magnification: string; fit?: string; requestedMm?: number; dpi: number; aspect?: [number, number] },
): { dest: Rect; crop?: Rect; scale: number } {
  // Pixel Aspect Ratio is row spacing : column spacing; stretch rows when it is not 1:1.
  const ar = o.aspect ? o.aspect[0] / o.aspect[1] : 1;
  const hh = h * ar;
  let scale: number;
  if (o.fit === 'cropped') scale = 1;
  else if (o.requestedMm !== undefined)
    scale = Math.min(((o.requestedMm / 25.4) * o.dpi) / w, box.width / w, box.height / hh);
  else if (o.magnification === 'NONE' && o.fit !== 'decimated' && o.fit !== 'demagnified') scale = 1;
  else scale = Math.min(box.width / w, box.height / hh);
  let dw = Math.max(1, Math.round(w * scale));
  let dh = Math.max(1, Math.round(hh * scale));
  let crop: Rect | undefined;
  if (dw > box.width || dh > box.height) {
    // Centre crop at 1:1 (the conformance-defined CROP of this printer).
    const cw = Math.min(w, box.width);
    const ch = Math.min(h, Math.floor(box.height / ar));
    crop = { x: Math.floor((w - cw) / 2), y: Math.floor((h - ch) / 2), width: cw, height: ch };
    dw = cw;
    dh = Math.round(ch * ar);
  }
  return {
    dest: {
      x: box.x + Math.floor((box.width - dw) / 2),
      y: box.y + Math.floor((box.height - dh) / 2),
      width: dw,
      height: dh,
    },
    crop,
    scale,
  };
}

/** Where a placed image lands on the canvas, and with which kernel it is scaled there. */
interface Target {
  dest: Rect;
  kernel: Kernel;
}

/** The image's pixels placed for its box: centre crop, then scaled with the kernel when needed. */
function placed(
  src: Uint16Array | Buffer,
  channels: 1 | 3,
  w: number,
  h: number,
  crop: Rect | undefined,
  t: Target,
): Sharp {
  let img = sharp(src, { raw: { width: w, height: h, channels }, limitInputPixels: false });
  if (crop) img = img.extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height });
  if (t.dest.width !== (crop?.width ?? w) || t.dest.height !== (crop?.height ?? h)) {
    img = img.resize(t.dest.width, t.dest.height, { kernel: t.kernel, fit: 'fill' });
  }
  return img;
}

async function resizeGrey16(
  src: Uint16Array,
  w: number,
  h: number,
  crop: Rect | undefined,
  t: Target,
): Promise<Uint16Array> {
  const { data } = await placed(src, 1, w, h, crop, t)
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  return new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
}

function resizeRgb(src: Buffer, w: number, h: number, crop: Rect | undefined, t: Target): Promise<Buffer> {
  return placed(src, 3, w, h, crop, t).raw().toBuffer();
}

/**
 * A preview box-shrinks images of at least this many pixels while reading them (a mammogram); smaller
 * ones (W1's 512x512 CTs) go to sharp whole, several at once on its threads, which was as fast.
 */
const SHRINK_MIN_PIXELS = 1 << 20;

/** Image boxes decoded and scaled at once: enough to keep sharp's threads busy, bounded memory. */
const BOXES_IN_FLIGHT = 4;

/** Run `fn` over `items`, at most `limit` at a time; rejects with the first failure. */
async function inParallel<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Density tables, kept for the films that follow: a printer's boxes mostly share bits stored,
 * densities and viewing, and the GSDF sampling is the costly part of a table.
 */
const LUT_CACHE_SIZE = 32;
const lutCache = new Map<string, Uint16Array>();
function lutFor(box: Parameters<typeof densityLut>[0]): Uint16Array {
  const key = JSON.stringify(box);
  let lut = lutCache.get(key);
  if (!lut) {
    lut = densityLut(box);
    if (lutCache.size >= LUT_CACHE_SIZE) lutCache.delete(lutCache.keys().next().value!);
    lutCache.set(key, lut);
  }
  return lut;
}

/** The thread that shares enlargements with this one, once the film renderer asked for it. */
let helper: MagnifyThread | undefined;
/** A box enlarged into fewer rows than twice this is not worth a message to the helper. */
const MIN_SHARE_ROWS = 64;

/**
 * Share each enlargement with a second thread (the film renderer: render-process.ts). False where
 * there is none to have: one core, or TypeScript sources (tests).
 */
export function useMagnifyThread(): boolean {
  helper ??= MagnifyThread.start();
  return helper !== undefined;
}

/** How many shares of enlargements the helper thread has run (tests, benches). */
export function magnifyThreadShares(): number {
  return helper?.shares ?? 0;
}

/** The density canvas and 8-bit view of the last film, for the next (a preview's are too small to keep). */
const pool = new BufferPool(4 * 1024 * 1024, 2);

/**
 * A box's whole file, read into a pooled buffer when it is large (a preview's mammogram then
 * reuses the last film's canvas instead of another 40 MB); `release` once nothing reads it.
 */
async function readPooled(path: string): Promise<{ raw: Buffer; release: () => void }> {
  const f = await open(path, 'r');
  try {
    const size = (await f.stat()).size;
    const buffer = pool.take(size);
    const raw = Buffer.from(buffer, 0, size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await f.read(raw, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { raw: raw.subarray(0, got), release: () => pool.give(buffer) };
  } finally {
    await f.close();
  }
}

/** A film's pixels composed at some scale of its pixel matrix, before they are encoded. */
interface Composed {
  /** The canvas's size: the film's pixel matrix times the scale. */
  width: number;
  height: number;
  /** Densities, hundredths of OD (overwritten by the view when composed without `densities`). */
  canvas: Uint16Array;
  /** What a viewer sees: 8-bit grey, or sRGB when a box is in color. */
  view: Buffer;
  channels: 1 | 3;
  /** What render.json says, in film pixels whatever the scale (no `ms`). */
  record: Omit<RenderRecord, 'ms'>;
  /** Hand the big buffers back for the next film, once nothing reads them. */
  release(): void;
}

/**
 * Compose a spooled film: its densities (border, empty boxes, each image through its density table
 * and scaled into its box, texts) and what a viewer sees of them. At scale 1 the film's own pixel
 * matrix; below 1 (a preview) the same steps on a smaller canvas: each image goes straight to its
 * box's size there, through the magnification kernel where it is enlarged and the thumbnail's
 * kernel (lanczos3, as resizing a full film down would) where it is reduced. `densities`: keep
 * the densities for density.png (else the view is written over them).
 */
async function composeFilm(
  dir: string,
  film: FilmRecord,
  scale: number,
  densities: boolean,
): Promise<Composed> {
  const fa = film.filmBox.attributes;
  const { width: FW, height: FH, dpi } = film.filmBox.matrix;
  const W = Math.round(FW * scale);
  const H = Math.round(FH * scale);
  const range = film.printer.density;
  const medium = str(film.filmSession.attributes, Tag.MediumType);
  const paper = medium === 'PAPER';
  const viewing: Viewing = {
    illumination:
      num(fa, Tag.Illumination) ?? (paper ? DEFAULT_ILLUMINATION.paper : DEFAULT_ILLUMINATION.film),
    reflectedAmbient: paper ? 0 : (num(fa, Tag.ReflectedAmbientLight) ?? DEFAULT_REFLECTED_AMBIENT),
  };
  const border = densityTerm(str(fa, Tag.BorderDensity), range, range.max);
  const empty = densityTerm(str(fa, Tag.EmptyImageDensity), range, range.max);
  const trim = str(fa, Tag.Trim) === 'YES';
  // Trim frames and text in the density opposite the border's (dark on light, light on dark).
  const ink = inkFor(border, range, viewing);
  const canvasBuffer = pool.take(W * H * 2, helper?.alive === true);
  const canvas = new Uint16Array(canvasBuffer, 0, W * H);
  // What a viewer sees (indexed by any 16-bit density: no branch per pixel). With density.png to
  // write, the view has a buffer of its own and is written with the densities wherever they are
  // written (the enlargements' column pass, the blit, empty boxes, the border), so no pass over
  // the film follows: `viewed` holds the boxes' rectangles, and what is drawn over them after
  // (trim lines, texts) is viewed again. Without density.png the view takes the canvas's place
  // in one pass at the end: byte i is written after density i is read, and densities past i sit
  // at bytes 2i and beyond. A 24 MB buffer less for 20-25 ms of CPU (docs/rendering-performance.md).
  const table = viewTable(viewing, 255);
  const greyBuffer = densities ? pool.take(W * H, helper?.alive === true) : canvasBuffer;
  const grey = Buffer.from(greyBuffer, 0, W * H);
  const fused = densities;
  const viewed: Rect[] = [];
  const redo: Rect[] = [];
  // Spans filled by copies from one filled row: TypedArray fill() on shared memory stores element
  // by element (12.8 ms for a 14x17 in film, against 3 ms for these copies).
  const spanRows = new Map<number, { d: Uint16Array; g: Uint8Array }>();
  const fillSpan = (density: number, from: number, to: number) => {
    const n = to - from;
    if (n <= 0) return;
    let row = spanRows.get(density);
    if (!row) {
      row = { d: new Uint16Array(W).fill(density), g: new Uint8Array(W).fill(table[density]!) };
      spanRows.set(density, row);
    }
    canvas.set(row.d.subarray(0, n), from);
    if (fused) grey.set(row.g.subarray(0, n), from);
  };
  const colorBoxes: { dest: Rect; pixels: Buffer }[] = [];
  const boxes: BoxRender[] = [];
  // A one-pixel trim line of the full film covers `scale` of a preview pixel: blended by that much.
  const trimAlpha = Math.min(1, scale);
  const onCanvas = (r: Rect): Rect => scaled(r, scale);
  // A box's scaled pixels into the canvas, clamped on the way: cubic kernels overshoot at edges,
  // and no pixel may leave the box's density range (one pass, not a clamp pass and a copy).
  const blit = (px: Uint16Array, d: Rect, lo: number, hi: number): void => {
    for (let y = 0; y < d.height; y++) {
      const from = y * d.width;
      const to = (d.y + y) * W + d.x - from;
      for (let i = from; i < from + d.width; i++) {
        const v = px[i]!;
        const c = v > hi ? hi : v < lo ? lo : v;
        canvas[to + i] = c;
        if (fused) grey[to + i] = table[c]!;
      }
    }
    viewed.push(d);
  };

  // Boxes are independent (their rectangles never overlap): decode, scale and blit a few at a
  // time so sharp's thread pool works while JS maps the next box's densities.
  const renderBox = async (b: FilmRecord['imageBoxes'][number]): Promise<void> => {
    const render: BoxRender = { position: b.position, box: b.rect, statuses: b.statuses };
    boxes.push(render);
    if (!b.image) {
      const r = onCanvas(b.rect);
      for (let y = r.y; y < r.y + r.height; y++) fillSpan(empty, y * W + r.x, y * W + r.x + r.width);
      viewed.push(r);
      return;
    }
    const ia = b.attributes;
    const im = b.image;
    const file = join(dir, im.file);
    const magnification = str(ia, Tag.MagnificationType) ?? str(fa, Tag.MagnificationType) ?? 'CUBIC';
    const p = placement(b.rect, im.columns, im.rows, {
      magnification,
      fit: b.fit,
      requestedMm: num(ia, Tag.RequestedImageSize),
      dpi,
      aspect: im.pixelAspectRatio,
    });
    Object.assign(render, { image: p.dest, scale: p.scale, fit: b.fit, magnification });
    const smoothing = str(ia, Tag.SmoothingType) ?? str(fa, Tag.SmoothingType);
    const magnifier = kernelFor(magnification, smoothing, film.printer.smoothingKernels);
    const dest = onCanvas(p.dest);
    const reduced = dest.width < (p.crop?.width ?? im.columns) && scale < 1;
    const t: Target = { dest, kernel: reduced ? 'lanczos3' : magnifier };
    if (im.samplesPerPixel === 3) {
      // Color: planar (R plane, G plane, B plane) becomes interleaved; REVERSE is a negative.
      // A streamed image's file keeps the pad byte of an odd length (PS3.5 7.1.1): not a pixel.
      const raw = await readFile(file);
      let px = Buffer.from(raw.subarray(0, im.rows * im.columns * 3));
      if (im.planarConfiguration === 1) {
        const plane = im.rows * im.columns;
        px = Buffer.alloc(plane * 3);
        for (let i = 0; i < plane; i++) {
          px[i * 3] = raw[i]!;
          px[i * 3 + 1] = raw[plane + i]!;
          px[i * 3 + 2] = raw[2 * plane + i]!;
        }
      }
      if (str(ia, Tag.Polarity) === 'REVERSE') for (let i = 0; i < px.length; i++) px[i] = 255 - px[i]!;
      colorBoxes.push({ dest, pixels: await resizeRgb(px, im.columns, im.rows, p.crop, t) });
      return;
    }
    const minD = b.minDensity ?? range.min;
    const maxD = b.maxDensity ?? range.max;
    Object.assign(render, { minDensity: minD, maxDensity: maxD });
    const lut = lutFor({
      bitsStored: im.bitsStored,
      photometricInterpretation: im.photometricInterpretation,
      polarity: str(ia, Tag.Polarity) ?? 'NORMAL',
      minDensity: minD,
      maxDensity: maxD,
      lut: film.presentationLut,
      viewing,
      ...(film.printer.characteristicCurve ? { curve: film.printer.characteristicCurve } : {}),
    });
    const count = im.rows * im.columns;
    const mask = 2 ** im.bitsStored - 1;
    const sw = p.crop?.width ?? im.columns;
    const sh = p.crop?.height ?? im.rows;
    const d = dest;
    // The region read, for an enlargement or a preview's box shrink.
    const region: ImageRegion = {
      file,
      columns: im.columns,
      rows: im.rows,
      bytesPerSample: im.bitsAllocated === 8 ? 1 : 2,
      mask,
      lut,
      ox: p.crop?.x ?? 0,
      oy: p.crop?.y ?? 0,
      w: sw,
      h: sh,
    };
    if (d.width > sw && d.height > sh) {
      // Enlarged (most films): rows read a strip at a time, through the density table, Catmull-Rom
      // (bicubic.ts), bilinear (bilinear.ts) or replicated (replicate.ts) as sharp would do it,
      // the box's clamp and the blit, in one pass; nothing image-sized is held.
      const job: MagnifyJob = {
        ...region,
        outW: d.width,
        outH: d.height,
        canvasWidth: W,
        dx: d.x,
        dy: d.y,
        lo: minD,
        hi: maxD,
        kernel: ENLARGER[t.kernel],
      };
      const view = fused ? { grey, table } : undefined;
      if (
        helper?.alive &&
        canvasBuffer instanceof SharedArrayBuffer &&
        greyBuffer instanceof SharedArrayBuffer &&
        d.height >= 2 * MIN_SHARE_ROWS
      ) {
        // The top half on the helper thread, the bottom half here, at once.
        const mid = Math.floor(d.height / 2);
        const shared = fused ? { grey: greyBuffer, table } : undefined;
        const other = helper.run({ ...job, to: mid }, canvasBuffer, shared).then(
          () => undefined,
          (e: unknown) => e,
        );
        let failure: unknown;
        try {
          runMagnifyJob({ ...job, from: mid }, canvas, view);
        } catch (e) {
          failure = e;
        }
        // Never return while the helper may still write into the canvas.
        const otherFailure = await other;
        if (failure ?? otherFailure) throw failure ?? otherFailure;
      } else runMagnifyJob(job, canvas, view);
      viewed.push(d);
    } else if (
      reduced &&
      sw * sh >= SHRINK_MIN_PIXELS &&
      shrinkFactor(sw, d.width) > 1 &&
      shrinkFactor(sh, d.height) > 1
    ) {
      // A preview's large reduction of a large image: k x k blocks averaged while the rows are read
      // (box-shrink.ts), then lanczos3 over the rest.
      const k = Math.min(shrinkFactor(sw, d.width), shrinkFactor(sh, d.height));
      const small = boxShrink({ ...region, k });
      blit(await resizeGrey16(small.pixels, small.width, small.height, undefined, t), d, minD, maxD);
    } else {
      const { raw, release } = await readPooled(file);
      try {
        let dens: Uint16Array;
        if (im.bitsAllocated === 8) {
          dens = new Uint16Array(count);
          for (let i = 0; i < count; i++) dens[i] = lut[raw[i]! & mask]!;
        } else {
          // Densities in place of the stored values (a 40 MB mammogram is not held twice): a typed
          // view when the bytes are 2-aligned (large files always are), else one copy.
          dens =
            raw.byteOffset % 2 === 0
              ? new Uint16Array(raw.buffer, raw.byteOffset, count)
              : new Uint16Array(Uint8Array.from(raw.subarray(0, count * 2)).buffer);
          for (let i = 0; i < count; i++) dens[i] = lut[dens[i]! & mask]!;
        }
        // Uncovered parts of a box with an image take the border density (docs/spec/rendering.md#layout).
        blit(await resizeGrey16(dens, im.columns, im.rows, p.crop, t), d, minD, maxD);
      } finally {
        release();
      }
    }
    if (trim) {
      redo.push(
        { x: d.x, y: d.y, width: d.width, height: 1 },
        { x: d.x, y: d.y + d.height - 1, width: d.width, height: 1 },
        { x: d.x, y: d.y, width: 1, height: d.height },
        { x: d.x + d.width - 1, y: d.y, width: 1, height: d.height },
      );
      const edge = (i: number) => {
        canvas[i] = trimAlpha === 1 ? ink : Math.round(canvas[i]! * (1 - trimAlpha) + ink * trimAlpha);
      };
      for (let x = d.x; x < d.x + d.width; x++) {
        edge(d.y * W + x);
        if (d.height > 1) edge((d.y + d.height - 1) * W + x);
      }
      for (let y = d.y + 1; y < d.y + d.height - 1; y++) {
        edge(y * W + d.x);
        if (d.width > 1) edge(y * W + d.x + d.width - 1);
      }
    }
  };
  await inParallel(film.imageBoxes, BOXES_IN_FLIGHT, renderBox);
  boxes.sort((x, y) => x.position - y.position);
  colorBoxes.sort((x, y) => x.dest.y - y.dest.y || x.dest.x - y.dest.x);

  // The border density wherever no box wrote (the rest of a box with an image too:
  // docs/spec/rendering.md#layout): per row, the spans between the viewed rectangles.
  viewed.sort((a, b) => a.x - b.x);
  for (let y = 0; y < H; y++) {
    let x = 0;
    for (const r of viewed) {
      if (y < r.y || y >= r.y + r.height) continue;
      fillSpan(border, y * W + x, y * W + r.x);
      x = Math.max(x, r.x + r.width);
    }
    fillSpan(border, y * W + x, (y + 1) * W);
  }

  const { layout, stamp, annotations, painted } = await drawTexts(canvas, FW, FH, film, ink, scale);
  const viewSpan = (from: number, to: number) => {
    for (let i = from; i < to; i++) grey[i] = table[canvas[i]!]!;
  };

  if (fused)
    // Again where something was drawn over viewed pixels.
    for (const r of [...redo, ...painted])
      for (let y = r.y; y < r.y + r.height; y++) viewSpan(y * W + r.x, y * W + r.x + r.width);
  else viewSpan(0, W * H);
  let view = grey;
  if (colorBoxes.length > 0) {
    const rgb = Buffer.alloc(W * H * 3);
    for (let i = 0; i < grey.length; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = grey[i]!;
    for (const c of colorBoxes) {
      for (let y = 0; y < c.dest.height; y++) {
        c.pixels.copy(
          rgb,
          ((c.dest.y + y) * W + c.dest.x) * 3,
          y * c.dest.width * 3,
          (y + 1) * c.dest.width * 3,
        );
      }
      if (trim) {
        // The trim frame of a color image: its outermost pixels, in the ink's grey (blended in a preview).
        const v = table[ink]!;
        const paint = (x: number, y: number) => {
          const i = (y * W + x) * 3;
          for (let k = i; k < i + 3; k++) rgb[k] = Math.round(rgb[k]! * (1 - trimAlpha) + v * trimAlpha);
        };
        const d = c.dest;
        for (let x = d.x; x < d.x + d.width; x++) {
          paint(x, d.y);
          if (d.height > 1) paint(x, d.y + d.height - 1);
        }
        for (let y = d.y + 1; y < d.y + d.height - 1; y++) {
          paint(d.x, y);
          if (d.width > 1) paint(d.x + d.width - 1, y);
        }
      }
    }
    view = rgb;
  }
  return {
    width: W,
    height: H,
    canvas,
    view,
    channels: colorBoxes.length > 0 ? 3 : 1,
    release: () => {
      pool.give(canvasBuffer);
      if (greyBuffer !== canvasBuffer) pool.give(greyBuffer);
    },
    record: {
      format: 'lightbox-render/1',
      width: FW,
      height: FH,
      dpi,
      borderDensity: border,
      emptyImageDensity: empty,
      viewing,
      boxes,
      color: colorBoxes.length > 0,
      textArea: layout.area,
      imageArea: layout.images,
      annotations,
      stamp: stamp.map((s) => s.text),
      stampRects: stamp,
    },
  };
}

/** What a viewer sees of composed pixels, as a sharp pipeline (8-bit grey, or sRGB). */
function viewOf(c: Composed): Sharp {
  const raw = { raw: { width: c.width, height: c.height, channels: c.channels }, limitInputPixels: false };
  return c.channels === 3 ? sharp(c.view, raw) : sharp(c.view, raw).toColourspace('b-w');
}

const readFilm = async (dir: string): Promise<FilmRecord> =>
  JSON.parse(await readFile(join(dir, 'film.json'), 'utf8')) as FilmRecord;

/** density.png: the film's densities, 16-bit grey, hundredths of OD. */
async function writeDensity(dir: string, c: Composed): Promise<void> {
  const png = await sharp(c.canvas, {
    raw: { width: c.width, height: c.height, channels: 1 },
    limitInputPixels: false,
  })
    .toColourspace('grey16')
    .png({ compressionLevel: 1 })
    .toBuffer();
  await writeAtomic(join(dir, 'density.png'), png);
}

/**
 * density.png alone, for a film rendered without it: only QA tools read it (density reports,
 * diffs in OD, 16-bit DICOM), so the printer makes it on the first request. The film is composed
 * again from what was printed (the same steps, so the same densities); film.png is left alone.
 */
export async function renderDensity(dir: string): Promise<{ ms: number }> {
  const t0 = performance.now();
  const c = await composeFilm(dir, await readFilm(dir), 1, true);
  try {
    await writeDensity(dir, c);
  } finally {
    c.release();
  }
  return { ms: Math.round(performance.now() - t0) };
}

/** How a preview went: written to thumb.png, at this size, in this many ms. */
export interface PreviewRecord {
  width: number;
  height: number;
  ms: number;
}

/**
 * The film's thumbnail, composed at thumbnail size with the same steps as the film (so it looks
 * the same, at a small fraction of the work: W1's 24 megapixels become 0.28), and written as
 * thumb.png before the film itself: what the console shows while the film renders.
 */
export async function renderPreview(dir: string): Promise<PreviewRecord> {
  const t0 = performance.now();
  const film = await readFilm(dir);
  const c = await composeFilm(dir, film, THUMB_WIDTH / film.filmBox.matrix.width, false);
  try {
    await writeAtomic(join(dir, 'thumb.png'), await viewOf(c).png().toBuffer());
  } finally {
    c.release();
  }
  return { width: c.width, height: c.height, ms: Math.round(performance.now() - t0) };
}

export interface RenderOptions {
  /** Write thumb.png too (default): not when a preview has written it already. */
  thumb?: boolean;
  /** Write density.png too (default): the printer leaves it to the first request (renderDensity). */
  density?: boolean;
}

/** Render one spooled film directory; returns what was written about it. */
export async function renderFilm(dir: string, o: RenderOptions = {}): Promise<RenderRecord> {
  const t0 = performance.now();
  const film = await readFilm(dir);
  const c = await composeFilm(dir, film, 1, o.density !== false);
  // The encodes run at once on sharp's thread pool (deflate is most of their time). Two
  // pipelines, not clone(): sharp 0.35's clone() deep-copies the whole input buffer.
  const written = await Promise.allSettled([
    viewOf(c)
      .png({ compressionLevel: 1 })
      .toBuffer()
      .then((png) => writeAtomic(join(dir, 'film.png'), png)),
    o.thumb === false
      ? undefined
      : viewOf(c)
          .resize(THUMB_WIDTH)
          .png()
          .toBuffer()
          .then((png) => writeAtomic(join(dir, 'thumb.png'), png)),
    o.density === false ? undefined : writeDensity(dir, c),
  ]);
  // Every encode has let go of the buffers, even when one failed: the next film may have them.
  c.release();
  const failed = written.find((w) => w.status === 'rejected');
  if (failed) throw failed.reason;
  const record: RenderRecord = { ...c.record, ms: Math.round(performance.now() - t0) };
  await writeAtomic(join(dir, 'render.json'), JSON.stringify(record, null, 1));
  return record;
}
