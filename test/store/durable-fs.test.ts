/** Durable writes: received pixel data (many socket chunks) reaches disk whole, in order, fsynced. */
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
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSynced } from '../../src/store/durable-fs.js';
import { Staging } from '../../src/store/staging.js';

const dir = mkdtempSync(join(tmpdir(), 'lightbox-spool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('writes more parts than one writev takes (IOV_MAX 1024) whole and in order', async () => {
  // 3000 parts of 1..97 bytes, each filled with its own index: a lost, repeated or reordered part shows.
  const parts = Array.from({ length: 3000 }, (_, i) => Buffer.alloc((i % 97) + 1, i & 0xff));
  const path = join(dir, 'many.raw');
  await writeSynced(path, parts, Buffer.concat(parts).length);
  expect(readFileSync(path).equals(Buffer.concat(parts))).toBe(true);
});

it('writes one part, and an empty image as an empty file', async () => {
  const one = Buffer.from('pixels');
  await writeSynced(join(dir, 'one.raw'), [one], one.length);
  expect(readFileSync(join(dir, 'one.raw')).equals(one)).toBe(true);
  await writeSynced(join(dir, 'none.raw'), [], 0);
  expect(readFileSync(join(dir, 'none.raw')).length).toBe(0);
});

it('fails when the bytes written are not the bytes the image has, never truncating silently', async () => {
  const parts = [Buffer.alloc(10), Buffer.alloc(20)];
  await expect(writeSynced(join(dir, 'short.raw'), parts, 31)).rejects.toThrow(
    /short write .* 30 of 31 bytes/,
  );
});

describe('staging', () => {
  it('writes an image in the background, links it into a film, and forgets its own name when discarded', async () => {
    const films = mkdtempSync(join(tmpdir(), 'lightbox-staging-'));
    try {
      const staging = new Staging(films);
      const pixels = [Buffer.alloc(1000, 1), Buffer.alloc(24, 2)];
      const s = staging.stage(pixels, 1024);
      await s.written;
      mkdirSync(join(films, 'film'));
      await staging.linkInto(s, join(films, 'film', 'box-001.raw'));
      staging.discard(s);
      await expect.poll(() => existsSync(s.path)).toBe(false);
      expect(readFileSync(join(films, 'film', 'box-001.raw')).equals(Buffer.concat(pixels))).toBe(true);
    } finally {
      rmSync(films, { recursive: true, force: true });
    }
  });

  it('a write that fails says so on the staged image, leaves no file, and linking it rejects', async () => {
    const films = mkdtempSync(join(tmpdir(), 'lightbox-staging-'));
    try {
      const staging = new Staging(films);
      const s = staging.stage([Buffer.alloc(10)], 11);
      await expect(s.written).rejects.toThrow(/short write/);
      await expect.poll(() => existsSync(s.path)).toBe(false);
      expect(s.error?.message).toMatch(/short write/);
      await expect(staging.linkInto(s, join(films, 'x.raw'))).rejects.toThrow(/short write/);
    } finally {
      rmSync(films, { recursive: true, force: true });
    }
  });

  it('starts empty: images an earlier process staged are nobody’s', () => {
    const films = mkdtempSync(join(tmpdir(), 'lightbox-staging-'));
    try {
      mkdirSync(join(films, '.tmp-staging'));
      writeFileSync(join(films, '.tmp-staging', '7.raw'), 'old');
      const staging = new Staging(films);
      expect(readdirSync(staging.dir)).toEqual([]);
    } finally {
      rmSync(films, { recursive: true, force: true });
    }
  });
});
