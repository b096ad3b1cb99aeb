/**
 * The compiled film renderer shares each enlargement with a helper thread (magnify-thread.ts):
 * a film rendered that way has the same pixels as one rendered on one thread (the TypeScript
 * sources, as every other render test runs).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, expect, it } from 'vitest';
import { CT, writeFilm } from '../../bench/film-dirs.js';
import * as inline from '../../src/render/film.js';
import { ensureBuild } from '../store/support.js';
import { ctSlice } from '../support/dcmprint.js';

const work = mkdtempSync(join(tmpdir(), 'lightbox-magnify-thread-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const pixels = async (file: string) => sharp(readFileSync(file)).raw().toBuffer();

it.skipIf(availableParallelism() < 2)(
  'a film enlarged on two threads has the pixels of the film enlarged on one',
  async () => {
    const { main } = await ensureBuild('store-build-crash');
    const compiled = (await import(
      pathToFileURL(join(dirname(main), 'render/film.js')).href
    )) as typeof inline;
    expect(inline.useMagnifyThread()).toBe(false);
    expect(compiled.useMagnifyThread()).toBe(true);
    // Four CT slices, each enlarged 4.25x into its box of a 14x17 in film.
    const images = [1, 2, 3, 4].map((n) => ctSlice(n));
    for (const name of ['one', 'two'])
      writeFilm(join(work, name), 'STANDARD\\2,2', images, { ...CT, count: 4 });
    await inline.renderFilm(join(work, 'one'));
    const before = compiled.magnifyThreadShares();
    await compiled.renderFilm(join(work, 'two'));
    expect(compiled.magnifyThreadShares() - before).toBe(4);
    for (const file of ['film.png', 'density.png'])
      expect(
        (await pixels(join(work, 'two', file))).equals(await pixels(join(work, 'one', file))),
        file,
      ).toBe(true);
  },
  120_000,
);
