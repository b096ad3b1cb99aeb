/** An image box's rows read a strip at a time (src/render/row-reader.ts). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RowReader } from '../../src/render/row-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'lightbox-rows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('RowReader', () => {
  it('gives every row of a 16-bit image larger than one strip, in any order', () => {
    // 600 columns x 2000 rows x 2 bytes = 2.4 MB: three strips of about 1 MiB.
    const columns = 600;
    const rows = 2000;
    const words = new Uint16Array(columns * rows).map((_, i) => (i * 7) & 0xffff);
    const path = join(dir, 'box-16.raw');
    writeFileSync(path, new Uint8Array(words.buffer));
    const reader = new RowReader(path, columns, rows, 2);
    try {
      for (const r of [0, 1, 873, 874, 1999, 5, 1000]) {
        const at = reader.row(r);
        expect(Array.from(reader.words.subarray(at, at + columns))).toEqual(
          Array.from(words.subarray(r * columns, (r + 1) * columns)),
        );
      }
    } finally {
      reader.close();
    }
  });

  it('reads 8-bit rows, and fails on a file shorter than its image', () => {
    const path = join(dir, 'box-8.raw');
    writeFileSync(
      path,
      Uint8Array.from({ length: 10 * 7 }, (_, i) => i),
    );
    const reader = new RowReader(path, 10, 8, 1);
    try {
      const at = reader.row(6);
      expect(Array.from(reader.words.subarray(at, at + 10))).toEqual(
        Array.from({ length: 10 }, (_, i) => 60 + i),
      );
      expect(() => reader.row(7)).toThrow(/ends before row 7 of 8/);
    } finally {
      reader.close();
    }
  });
});
