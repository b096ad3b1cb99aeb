import { createHash } from 'node:crypto';
import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DEFER_MAX, StreamDigest } from '../../src/dicom/stream-digest.js';

const bytes = (n: number, seed: number) =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest('hex');

describe('StreamDigest', () => {
  it('is the SHA-256 of the parts in order, readable once they are all in', () => {
    const parts = [bytes(1000, 1), bytes(7, 2), bytes(65536, 3)];
    const d = new StreamDigest();
    for (const p of parts) d.update(p);
    expect(d.hex).toBeUndefined();
    d.end();
    expect(d.hex).toBe(sha256(...parts));
    expect(d.hex).toBe(sha256(...parts));
  });

  it('leaves a small value unhashed until the next turn of the event loop', async () => {
    const part = bytes(DEFER_MAX / 2, 4);
    const d = new StreamDigest();
    d.update(part);
    d.end();
    expect(d.queued).toBe(part.length);
    await turn();
    expect(d.queued).toBe(0);
    expect(d.hex).toBe(sha256(part));
  });

  it('hashes a large value as it arrives, keeping at most DEFER_MAX bytes queued', () => {
    const d = new StreamDigest();
    const parts = Array.from({ length: 5 }, (_, i) => bytes(DEFER_MAX / 2 + 1, i));
    let most = 0;
    for (const p of parts) {
      d.update(p);
      most = Math.max(most, d.queued);
    }
    expect(most).toBeLessThanOrEqual(DEFER_MAX);
    d.end();
    expect(d.hex).toBe(sha256(...parts));
  });

  it('has no digest once dropped, and lets its parts go', () => {
    const d = new StreamDigest();
    d.update(bytes(100, 5));
    d.drop();
    d.end();
    expect(d.queued).toBe(0);
    expect(d.hex).toBeUndefined();
  });
});
