/**
 * A film's tile pyramid (the Deep Zoom layout: level L is the film halved max-L times, cut in
 * 512-pixel tiles), made from film.png on the first request for a tile and kept in the film's
 * directory. The console then shows any zoom of a 24-megapixel film by fetching the few tiles on
 * screen, instead of the whole film.png first. Made once per film.png: a film rendered again gets
 * a new pyramid. One pyramid is made at a time (each is a second of libvips work on big films).
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

export const TILE_SIZE = 512;
/** The pyramid's directory in a film's directory; `tiles.tmp` while it is being made. */
export const TILES_DIR = 'tiles';
const STAMP = 'source';

export interface PyramidGeometry {
  width: number;
  height: number;
  tileSize: number;
  /** Levels 0 (one pixel) .. levels-1 (the film's own pixel matrix). */
  levels: number;
}

export interface LevelGeometry {
  width: number;
  height: number;
  columns: number;
  rows: number;
}

export function pyramidGeometry(width: number, height: number): PyramidGeometry {
  return { width, height, tileSize: TILE_SIZE, levels: Math.ceil(Math.log2(Math.max(width, height, 1))) + 1 };
}

/** A level's size in pixels and tiles: each level below the top halves the one above (rounding up). */
export function levelGeometry(p: PyramidGeometry, level: number): LevelGeometry {
  let width = p.width;
  let height = p.height;
  for (let l = p.levels - 1; l > level; l--) {
    width = Math.ceil(width / 2);
    height = Math.ceil(height / 2);
  }
  return { width, height, columns: Math.ceil(width / p.tileSize), rows: Math.ceil(height / p.tileSize) };
}

/** Is (level, column, row) a tile of this pyramid? */
export function isTile(p: PyramidGeometry, level: number, column: number, row: number): boolean {
  if (!Number.isInteger(level) || level < 0 || level >= p.levels) return false;
  const g = levelGeometry(p, level);
  return (
    Number.isInteger(column) &&
    Number.isInteger(row) &&
    column >= 0 &&
    row >= 0 &&
    column < g.columns &&
    row < g.rows
  );
}

/** What film.png the pyramid was made from: its size and modification time (also the tiles' version). */
export async function sourceStamp(filmDir: string): Promise<string | undefined> {
  const s = await stat(join(filmDir, 'film.png')).catch(() => undefined);
  return s ? `${s.size}:${s.mtimeMs}` : undefined;
}

export class TilePyramids {
  /** Film directory -> the pyramid being made for it. */
  readonly #making = new Map<string, Promise<void>>();
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * The path of a tile, making the pyramid first when it is missing or older than film.png;
   * undefined when the film has no film.png (not rendered, or removed meanwhile).
   */
  async tile(filmDir: string, level: number, column: number, row: number): Promise<string | undefined> {
    const source = await sourceStamp(filmDir);
    if (!source) return undefined;
    const made = await readFile(join(filmDir, TILES_DIR, STAMP), 'utf8').catch(() => undefined);
    if (made !== source) await this.#make(filmDir, source);
    return join(filmDir, TILES_DIR, 't_files', String(level), `${column}_${row}.png`);
  }

  #make(filmDir: string, source: string): Promise<void> {
    let p = this.#making.get(filmDir);
    if (!p) {
      p = this.#queue.then(() => build(filmDir, source)).finally(() => this.#making.delete(filmDir));
      this.#queue = p.catch(() => undefined);
      this.#making.set(filmDir, p);
    }
    return p;
  }
}

/** Cut the pyramid into tiles.tmp, then put it in place of the old one. */
async function build(filmDir: string, source: string): Promise<void> {
  const tmp = join(filmDir, `${TILES_DIR}.tmp`);
  const dir = join(filmDir, TILES_DIR);
  // A crash may have left a half-made one.
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  const input = sharp(join(filmDir, 'film.png'), { limitInputPixels: false });
  const { channels } = await input.metadata();
  // Keep grey films grey: one channel per tile, a third of the bytes.
  const pipeline = channels === 1 ? input.toColourspace('b-w') : input;
  await pipeline
    .png({ compressionLevel: 1 })
    .tile({ size: TILE_SIZE, overlap: 0, layout: 'dz' })
    .toFile(join(tmp, 't.dz'));
  await writeFile(join(tmp, STAMP), source);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}
