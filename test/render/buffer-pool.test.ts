/** The render's film-sized buffers kept between films (src/render/buffer-pool.ts). */
import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../src/render/buffer-pool.js';

describe('BufferPool', () => {
  it('lends the smallest kept buffer that fits, and only buffers worth keeping are kept', () => {
    const pool = new BufferPool(1000, 2);
    const big = pool.take(5000);
    const mid = pool.take(3000);
    pool.give(big);
    pool.give(mid);
    pool.give(new ArrayBuffer(10)); // below minBytes: not kept
    expect(pool.take(2000)).toBe(mid);
    expect(pool.take(2000)).toBe(big);
    expect(pool.take(2000)).not.toBe(big);
    // Small requests never take a kept buffer.
    pool.give(big);
    expect(pool.take(100)).not.toBe(big);
    expect(pool.take(4000)).toBe(big);
  });

  it('frees kept buffers too small for a request at once, and the smallest beyond maxKept', () => {
    const pool = new BufferPool(1000, 2);
    const a = new ArrayBuffer(2000);
    const b = new ArrayBuffer(3000);
    pool.give(a);
    pool.give(b);
    const c = pool.take(4000);
    expect(c.byteLength).toBe(4000);
    expect([a.byteLength, b.byteLength]).toEqual([0, 0]);
    const d = new ArrayBuffer(1500);
    const e = new ArrayBuffer(2500);
    pool.give(d);
    pool.give(e);
    pool.give(c);
    expect(d.byteLength).toBe(0);
    expect(pool.take(2500)).toBe(e);
    expect(pool.take(2500)).toBe(c);
  });
});
