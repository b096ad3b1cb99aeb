/** Durable writes: received pixel data (many socket chunks) reaches disk whole, in order, fsynced. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { writeSynced } from '../../src/store/durable-fs.js';

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
