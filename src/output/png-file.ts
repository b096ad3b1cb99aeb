/**
 * What a PNG file holds, read from its chunks without decoding: the header (size, colour type, bit
 * depth) and the compressed image data (the IDAT chunks joined). The PDF embeds that data as it is
 * (a FlateDecode stream with PNG predictors), so no film is decoded or compressed again for it;
 * inflate() and unfilter() give the pixels back when they are needed (DICOM).
 */
import { promisify } from 'node:util';
import { inflate as inflateCb } from 'node:zlib';

const inflateAsync = promisify(inflateCb);
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export class PngError extends Error {
  override name = 'PngError';
}

export interface PngFile {
  width: number;
  height: number;
  /** 8 or 16 bits per sample. */
  bitDepth: number;
  /** Samples per pixel: 1 (grey, colour type 0) or 3 (RGB, colour type 2). */
  channels: 1 | 3;
  /** The zlib stream of filtered scanlines (every IDAT chunk's data, in order). */
  data: Buffer;
}

/** Parse a non-interlaced 8/16-bit grey or RGB PNG (what sharp writes for films). */
export function readPng(file: Buffer): PngFile {
  if (file.length < 8 || !file.subarray(0, 8).equals(SIGNATURE)) throw new PngError('not a PNG file');
  let at = 8;
  let header: Omit<PngFile, 'data'> | undefined;
  const idat: Buffer[] = [];
  while (at + 12 <= file.length) {
    const length = file.readUInt32BE(at);
    const type = file.toString('latin1', at + 4, at + 8);
    const body = at + 8;
    if (body + length + 4 > file.length) throw new PngError(`chunk ${type} runs past the end of the file`);
    if (type === 'IHDR') {
      const colorType = file[body + 9]!;
      const interlace = file[body + 12]!;
      const bitDepth = file[body + 8]!;
      if (colorType !== 0 && colorType !== 2)
        throw new PngError(`colour type ${colorType} (grey or RGB only)`);
      if (bitDepth !== 8 && bitDepth !== 16) throw new PngError(`bit depth ${bitDepth} (8 or 16 only)`);
      if (interlace !== 0) throw new PngError('interlaced');
      header = {
        width: file.readUInt32BE(body),
        height: file.readUInt32BE(body + 4),
        bitDepth,
        channels: colorType === 2 ? 3 : 1,
      };
    } else if (type === 'IDAT') idat.push(file.subarray(body, body + length));
    else if (type === 'IEND') break;
    at = body + length + 4;
  }
  if (!header) throw new PngError('no IHDR chunk');
  if (idat.length === 0) throw new PngError('no IDAT chunk');
  return { ...header, data: idat.length === 1 ? idat[0]! : Buffer.concat(idat) };
}

/** Bytes per pixel and per scanline (without its filter byte). */
function strides(p: Omit<PngFile, 'data'>): { bpp: number; line: number } {
  const bpp = (p.channels * p.bitDepth) / 8;
  return { bpp, line: bpp * p.width };
}

/** Paeth predictor (PNG spec 9.4). */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Undo the per-scanline filters of inflated PNG data: the raw samples, row after row (16-bit
 * samples stay big-endian, as PNG stores them).
 */
export function unfilter(p: Omit<PngFile, 'data'>, inflated: Buffer): Buffer {
  const { bpp, line } = strides(p);
  if (inflated.length < (line + 1) * p.height)
    throw new PngError(`image data holds ${inflated.length} bytes, ${(line + 1) * p.height} expected`);
  const out = Buffer.allocUnsafe(line * p.height);
  for (let y = 0; y < p.height; y++) {
    const filter = inflated[y * (line + 1)]!;
    const src = y * (line + 1) + 1;
    const row = y * line;
    const prev = row - line;
    if (filter === 0) {
      inflated.copy(out, row, src, src + line);
      continue;
    }
    for (let x = 0; x < line; x++) {
      const raw = inflated[src + x]!;
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const b = y > 0 ? out[prev + x]! : 0;
      let v: number;
      if (filter === 1) v = raw + a;
      else if (filter === 2) v = raw + b;
      else if (filter === 3) v = raw + ((a + b) >> 1);
      else if (filter === 4) v = raw + paeth(a, b, x >= bpp && y > 0 ? out[prev + x - bpp]! : 0);
      else throw new PngError(`unknown filter type ${filter} on row ${y}`);
      out[row + x] = v & 0xff;
    }
  }
  return out;
}

/** The raw samples of a parsed PNG (inflated off the event loop by zlib's thread pool). */
export async function pngPixels(p: PngFile): Promise<Buffer> {
  return unfilter(p, await inflateAsync(p.data));
}
