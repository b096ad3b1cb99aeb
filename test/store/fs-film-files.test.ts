/** FilmFiles on the filesystem: each file of a film read, written whole, listed, streamed, removed. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FilmFiles } from '../../src/store/film-files.js';
import { FsFilmFiles } from '../../src/store/fs-film-files.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function files(): FilmFiles {
  const d = mkdtempSync(join(tmpdir(), 'lightbox-filmfiles-'));
  dirs.push(d);
  return new FsFilmFiles(d);
}

describe('FsFilmFiles', () => {
  it('writes a file whole, reads, stats, lists and streams it; a film it does not have is empty, not an error', async () => {
    const f = files();
    mkdirSync(f.local('film-1'));
    await f.write('film-1', 'render.json', Buffer.from('{"ms":12}'));
    await f.write('film-1', 'render.json', new TextEncoder().encode('{"ms":13}'));
    writeFileSync(join(f.local('film-1'), 'film.png'), Buffer.alloc(1000, 7));
    expect((await f.read('film-1', 'render.json'))?.toString()).toBe('{"ms":13}');
    // Written under a temporary name and renamed: nothing of it is left beside the file.
    expect(readdirSync(f.local('film-1')).sort()).toEqual(['film.png', 'render.json']);
    expect(await f.list('film-1')).toEqual(['film.png', 'render.json']);
    expect(await f.stat('film-1', 'film.png')).toMatchObject({ size: 1000 });
    expect(await f.bytes('film-1')).toBe(1009);
    const stream = await f.stream('film-1', 'film.png');
    const chunks: Buffer[] = [];
    for await (const c of stream!) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks)).toEqual(Buffer.alloc(1000, 7));
    expect(await f.read('film-1', 'thumb.png')).toBeUndefined();
    expect(await f.stat('film-1', 'thumb.png')).toBeUndefined();
    expect(await f.stream('film-1', 'thumb.png')).toBeUndefined();
    expect(await f.list('film-2')).toEqual([]);
    await f.remove('film-1');
    expect(existsSync(f.local('film-1'))).toBe(false);
    await f.remove('film-1');
  });

  it('names no path outside the film: a bad film id or file name is refused', async () => {
    const f = files();
    expect(() => f.local('../x')).toThrow(/not a film id/);
    await expect(f.read('film-1', '../lightbox.db')).rejects.toThrow(/not a film file name/);
    await expect(f.write('film-1', '.hidden', Buffer.from('x'))).rejects.toThrow(/not a film file name/);
  });
});
