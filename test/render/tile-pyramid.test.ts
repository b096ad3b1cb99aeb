/**
 * The tile pyramid, made from real PNGs by libvips: its files are where the geometry says (odd
 * sizes included, so the halving's rounding is checked), a top-level tile is film.png's own
 * pixels, a grey film gives grey tiles, concurrent requests make one pyramid, and a film rendered
 * again gets a new one.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import {
  isTile,
  levelGeometry,
  pyramidGeometry,
  TILE_SIZE,
  TILES_DIR,
  TilePyramids,
} from '../../src/render/tile-pyramid.js';

const root = mkdtempSync(join(tmpdir(), 'lightbox-tiles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A film directory with a film.png of w x h (grey, or RGB), pixel (x, y) = (x * 7 + y * 3 + seed) & 255. */
async function filmDir(name: string, w: number, h: number, channels: 1 | 3 = 1, seed = 0): Promise<string> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const px = Buffer.alloc(w * h * channels);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < channels; c++)
        px[(y * w + x) * channels + c] = (x * 7 + y * 3 + seed + c * 50) & 255;
  const raw = sharp(px, { raw: { width: w, height: h, channels } });
  // As the renderer writes a grey film.png: one channel (sharp would otherwise write RGB).
  await (channels === 1 ? raw.toColourspace('b-w') : raw)
    .png({ compressionLevel: 1 })
    .toFile(join(dir, 'film.png'));
  return dir;
}

describe('tile pyramid geometry', () => {
  it('levels from one pixel up to the film, each halving the one above, rounding up', () => {
    const p = pyramidGeometry(4480, 5440);
    expect(p).toEqual({ width: 4480, height: 5440, tileSize: 512, levels: 14 });
    expect(levelGeometry(p, 13)).toEqual({ width: 4480, height: 5440, columns: 9, rows: 11 });
    expect(levelGeometry(p, 12)).toEqual({ width: 2240, height: 2720, columns: 5, rows: 6 });
    expect(levelGeometry(p, 0)).toEqual({ width: 1, height: 1, columns: 1, rows: 1 });
    expect(isTile(p, 13, 8, 10)).toBe(true);
    expect(isTile(p, 13, 9, 10)).toBe(false);
    expect(isTile(p, 14, 0, 0)).toBe(false);
    expect(isTile(p, -1, 0, 0)).toBe(false);
  });
});

describe('tile pyramid files', () => {
  it('an odd-sized grey film: every tile the geometry names exists, with its size; no other', async () => {
    const dir = await filmDir('odd', 1301, 777);
    const pyramids = new TilePyramids();
    const p = pyramidGeometry(1301, 777);
    const first = await pyramids.tile(dir, p.levels - 1, 0, 0);
    expect(first).toBeDefined();
    for (let level = 0; level < p.levels; level++) {
      const g = levelGeometry(p, level);
      const files = readdirSync(join(dir, TILES_DIR, 't_files', String(level))).sort();
      const expected = [];
      for (let c = 0; c < g.columns; c++) for (let r = 0; r < g.rows; r++) expected.push(`${c}_${r}.png`);
      expect(files, `level ${level}`).toEqual(expected.sort());
      // The last column and row are what is left of the level.
      const last = await sharp(
        join(dir, TILES_DIR, 't_files', String(level), `${g.columns - 1}_${g.rows - 1}.png`),
      ).metadata();
      expect([last.width, last.height], `level ${level}`).toEqual([
        g.width - (g.columns - 1) * TILE_SIZE,
        g.height - (g.rows - 1) * TILE_SIZE,
      ]);
      expect(last.channels).toBe(1);
    }
  });

  it("a tile of the top level is film.png's own pixels, colour kept", async () => {
    const dir = await filmDir('colour', 1100, 600, 3);
    const path = (await new TilePyramids().tile(dir, 11, 1, 0))!;
    const tile = await sharp(path).raw().toBuffer({ resolveWithObject: true });
    expect(tile.info).toMatchObject({ width: 512, height: 512, channels: 3 });
    const film = await sharp(join(dir, 'film.png'))
      .extract({ left: 512, top: 0, width: 512, height: 512 })
      .raw()
      .toBuffer();
    expect(tile.data.equals(film)).toBe(true);
  });

  it('concurrent first requests make one pyramid; a film rendered again gets a new one', async () => {
    const dir = await filmDir('again', 900, 900);
    const pyramids = new TilePyramids();
    const paths = await Promise.all([0, 1, 2, 3].map((i) => pyramids.tile(dir, 10, i % 2, 1)));
    expect(new Set(paths).size).toBe(2);
    const made = statSync(join(dir, TILES_DIR, 'source')).mtimeMs;
    await pyramids.tile(dir, 10, 0, 0);
    expect(statSync(join(dir, TILES_DIR, 'source')).mtimeMs).toBe(made);
    // Rendered again: another film.png (other pixels, a later time).
    await filmDir('again', 900, 900, 1, 100);
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'film.png'), later, later);
    const path = (await pyramids.tile(dir, 10, 0, 0))!;
    const px = await sharp(path).raw().toBuffer();
    expect(px[0]).toBe(100);
    expect(readdirSync(dir).sort()).toEqual(['film.png', TILES_DIR]);
  });

  it('no film.png: no tile, nothing made', async () => {
    const dir = join(root, 'empty');
    mkdirSync(dir);
    expect(await new TilePyramids().tile(dir, 0, 0, 0)).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });
});
